import { AgentSchema, type Agent } from '../../../src/mesos';
import { amountsSchema, formatAmount } from '../../../src/resources/amounts';
import { decideReservation, reservationOf } from '../../../src/resources/reservations';
import { agentResources, describeTasks, tasksHolding, toWire } from '../../../src/resources/view';
import { decideCreate, decideDestroy, decideResize, describeHoldings } from '../../../src/resources/volumes';
import { formatIssues } from '../../../src/common/zod-issues';

// The pure decisions of the resource runbooks, on GET_AGENTS entries written as Mesos writes them (endpoint format).
const dyn = (role: string, principal = 'ops') => [{ type: 'DYNAMIC', role, principal }];
const scalar = (name: string, value: number, role?: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'SCALAR',
  scalar: { value },
  ...(role ? { reservations: dyn(role), role, reservation: { principal: 'ops' } } : { role: '*' }),
  ...extra,
});
const volume = (value: number, role: string, id: string, path = 'data', source?: unknown) =>
  scalar('disk', value, role, { disk: { ...(source ? { source } : {}), persistence: { id, principal: 'ops' }, volume: { container_path: path, mode: 'RW' } } });
const mount = (value: number, role?: string) => scalar('disk', value, role, { disk: { source: { type: 'MOUNT', mount: { root: '/mnt/disk0' } } } });

function agent(total: unknown[], allocated: unknown[] = [], capabilities = ['RESIZE_VOLUME']): Agent {
  return AgentSchema.parse({
    agent_info: { id: { value: 'S1' }, hostname: 'agent-1' },
    active: true,
    total_resources: total,
    allocated_resources: allocated,
    capabilities: capabilities.map((type) => ({ type })),
  });
}

describe('amounts', () => {
  it('takes cores, MB and whole GPUs; refuses more than Mesos keeps, negatives and unknown names, naming each', () => {
    expect(amountsSchema().parse({ cpus: 1.5, mem: 1024, disk: 0, gpus: 2 })).toEqual({ cpus: 1.5, mem: 1024, disk: 0, gpus: 2 });
    const bad = amountsSchema().safeParse({ cpus: 0.0001, mem: -1, gpus: 0.5, ports: 1 });
    expect(formatIssues(bad.error!)).toEqual([
      'cpus: must have at most 3 decimal places (Mesos keeps cores to 0.001)',
      'mem: must be 0 or more MB',
      'gpus: must be a whole number of GPUs',
      "(input): unknown field(s) 'ports'",
    ]);
    expect([formatAmount('cpus', 1), formatAmount('cpus', 2.5), formatAmount('mem', 512), formatAmount('gpus', 1)]).toEqual(['1 core', '2.5 cores', '512 MB', '1 GPU']);
  });
});

describe('reservations as desired state', () => {
  const base = [scalar('cpus', 6), scalar('cpus', 2, 'dev'), scalar('mem', 30000), scalar('disk', 1000), scalar('disk', 300, 'dev'), volume(200, 'dev', 'v1')];

  it('counts the role\'s reservation (volumes included for disk) and RESERVEs or UNRESERVEs only the difference', () => {
    const res = agentResources(agent(base));
    expect(reservationOf(res, 'dev', 'disk')).toMatchObject({ total: 500, volumes: 200 });
    const up = decideReservation(res, { role: 'dev', principal: 'ops', name: 'cpus', amount: 4 });
    expect(up.calls).toEqual([{ kind: 'reserve', what: 'RESERVE 2 cores of cpus for dev', resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: dyn('dev') }] }]);
    const down = decideReservation(res, { role: 'dev', principal: 'ops', name: 'disk', amount: 250 });
    expect(down.calls).toEqual([{ kind: 'unreserve', what: 'UNRESERVE 250 MB of disk of dev', resources: [{ name: 'disk', type: 'SCALAR', scalar: { value: 250 }, reservations: dyn('dev') }] }]);
    expect(decideReservation(res, { role: 'dev', principal: 'ops', name: 'cpus', amount: 2 })).toMatchObject({ calls: [], summary: 'dev has 2 cores of cpus reserved: nothing to do' });
  });

  it('refuses a disk target below the role\'s volumes before any call; warns where Mesos will answer 409', () => {
    const res = agentResources(agent(base, [scalar('cpus', 1, 'dev')]));
    expect(decideReservation(res, { role: 'dev', name: 'disk', amount: 100 }).refusals).toEqual([
      "disk: 100 MB is below the 200 MB of dev's persistent volumes on agent S1 (volumes cannot be unreserved: destroy them first, e.g. persistentVolume with state \"absent\")",
    ]);
    const held = decideReservation(res, { role: 'dev', name: 'cpus', amount: 0 });
    expect(held.warnings).toEqual(["cpus: 1 core of dev's reservation is held by tasks: Mesos will refuse (409) until they release it"]);
    expect(held.calls).toHaveLength(1);
    expect(decideReservation(res, { role: 'dev', name: 'mem', amount: 40000 }).warnings[0]).toMatch(/only 30000 MB unreserved and free/);
  });

  it('moves between roles with RESERVE and a source, one call per group of uniform reservations', () => {
    const res = agentResources(agent([scalar('cpus', 3, 'qa'), { ...scalar('cpus', 2, 'qa'), reservations: dyn('qa', 'eve'), reservation: { principal: 'eve' } }, scalar('cpus', 1, 'dev')]));
    const move = decideReservation(res, { role: 'dev', principal: 'ops', name: 'cpus', amount: 5, fromRole: 'qa' });
    expect(move.calls).toEqual([
      { kind: 'reserve', what: 'RESERVE 3 cores of cpus from qa to dev', source: [toWire({ name: 'cpus', reservations: dyn('qa'), shared: false }, 3)], resources: [toWire({ name: 'cpus', reservations: dyn('dev'), shared: false }, 3)] },
      { kind: 'reserve', what: 'RESERVE 1 core of cpus from qa to dev', source: [toWire({ name: 'cpus', reservations: dyn('qa', 'eve'), shared: false }, 1)], resources: [toWire({ name: 'cpus', reservations: dyn('dev'), shared: false }, 1)] },
    ]);
    expect(decideReservation(res, { role: 'dev', principal: 'ops', name: 'cpus', amount: 0, fromRole: 'qa' }).calls[0]).toMatchObject({ what: 'RESERVE 1 core of cpus from dev to qa' });
    expect(decideReservation(res, { role: 'dev', name: 'cpus', amount: 10, fromRole: 'qa' }).refusals[0]).toMatch(/qa has only 5 cores of cpus reserved/);
  });
});

describe('volume decisions', () => {
  it('resize: grow from the same reserved disk, shrink, or nothing; refuses as the master would', () => {
    const res = agentResources(agent([scalar('disk', 100, 'dev'), volume(64, 'dev', 'v1'), mount(4096, 'dev'), volume(4096, 'dev', 'm1', 'm', { type: 'MOUNT', mount: { root: '/mnt/disk1' } })]));
    const ref = { role: 'dev', persistenceId: 'v1' };
    expect(decideResize(res, ['RESIZE_VOLUME'], { ...ref, targetSizeMb: 64 })).toMatchObject({ kind: 'done', note: 'volume v1 is already 64 MB' });
    expect(decideResize(res, ['RESIZE_VOLUME'], { ...ref, targetSizeMb: 80 })).toMatchObject({ kind: 'grow', by: 16, addition: { name: 'disk', scalar: { value: 16 }, reservations: dyn('dev') } });
    expect(decideResize(res, ['RESIZE_VOLUME'], { ...ref, targetSizeMb: 32 })).toMatchObject({ kind: 'shrink', by: 32 });
    expect(decideResize(res, ['RESIZE_VOLUME'], { ...ref, targetSizeMb: 200 })).toMatchObject({ kind: 'refuse', problems: [expect.stringMatching(/growing by 136 MB needs .* 100 MB is \(reserve more with updateReservations\)/)] });
    expect(decideResize(res, [], { ...ref, targetSizeMb: 80 })).toMatchObject({ kind: 'refuse', problems: [expect.stringMatching(/RESIZE_VOLUME/)] });
    expect(decideResize(res, ['RESIZE_VOLUME'], { role: 'dev', persistenceId: 'm1', targetSizeMb: 2048 })).toMatchObject({ kind: 'refuse', problems: [expect.stringMatching(/MOUNT disk/)] });
    expect(decideResize(res, ['RESIZE_VOLUME'], { role: 'qa', persistenceId: 'v1', targetSizeMb: 80 })).toMatchObject({ kind: 'refuse', problems: ["persistenceId: no persistent volume 'v1' of role 'qa' on agent S1 (agent-1)"] });
    const used = agentResources(agent([scalar('disk', 100, 'dev'), volume(64, 'dev', 'v1')], [volume(64, 'dev', 'v1')]));
    expect(decideResize(used, ['RESIZE_VOLUME'], { ...ref, targetSizeMb: 80 })).toMatchObject({ kind: 'refuse', inUse: true, problems: [expect.stringMatching(/in use by a task/)] });
  });

  it('create: present as wanted, reserve the shortfall, a MOUNT disk whole, another size or path refused naming resizeVolume', () => {
    const want = { role: 'dev', persistenceId: 'v1', containerPath: 'data', sizeMb: 64, principal: 'ops' };
    const none = agentResources(agent([scalar('disk', 1000), scalar('disk', 40, 'dev'), mount(4096)]));
    expect(decideCreate(none, want)).toMatchObject({ present: false, problems: [], reserve: [{ scalar: { value: 24 }, reservations: dyn('dev') }], reserveNote: 'RESERVE 24 MB of disk for dev (40 MB reserved and free already)' });
    expect(decideCreate(none, { ...want, mountRoot: '/mnt/disk0', sizeMb: 4096 })).toMatchObject({ problems: [], reserve: [{ scalar: { value: 4096 }, disk: { source: { type: 'MOUNT' } }, reservations: dyn('dev') }] });
    expect(decideCreate(none, { ...want, mountRoot: '/mnt/disk0', sizeMb: 1000 }).problems).toEqual(['sizeMb: the MOUNT disk at /mnt/disk0 is used whole: give sizeMb 4096 (not 1000)']);
    const present = agentResources(agent([volume(64, 'dev', 'v1')]));
    expect(decideCreate(present, want)).toMatchObject({ present: true, problems: [] });
    expect(decideCreate(present, { ...want, sizeMb: 80, containerPath: 'other' }).problems).toEqual([
      "persistenceId: volume 'v1' of role 'dev' already exists with 64 MB (not 80 MB): change its size with resizeVolume",
      "containerPath: volume 'v1' of role 'dev' is mounted at 'data' (not 'other'): a volume's path cannot change",
    ]);
  });

  it('destroy: absent, or the volume as Mesos wrote it (in use when a task holds it); what marking an agent gone loses', () => {
    const res = agentResources(agent([volume(64, 'dev', 'v1'), scalar('cpus', 2, 'dev')], [volume(64, 'dev', 'v1')]));
    expect(decideDestroy(res, { role: 'dev', persistenceId: 'v2' })).toMatchObject({ kind: 'absent' });
    expect(decideDestroy(res, { role: 'dev', persistenceId: 'v1' })).toMatchObject({ kind: 'destroy', inUse: true, sizeMb: 64 });
    expect(describeHoldings(res)).toEqual({ reservations: ['dev: cpus 2 cores'], volumes: ['v1 (dev, 64 MB at data)'] });
  });

  it('names the live tasks that hold resources', () => {
    const task = (id: string, state: string, resources: unknown[]) => ({ name: id, task_id: { value: id }, framework_id: { value: 'F' }, agent_id: { value: 'S1' }, state, resources, statuses: [] });
    const v = toWire({ name: 'disk', reservations: dyn('dev'), disk: { persistence: { id: 'v1', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } }, shared: false }, 64);
    const tasks = [task('db.1', 'TASK_RUNNING', [volume(64, 'dev', 'v1')]), task('db.0', 'TASK_FINISHED', [volume(64, 'dev', 'v1')]), task('web.1', 'TASK_RUNNING', [scalar('cpus', 1)])];
    const holders = tasksHolding(tasks as never, 'S1', [v]);
    expect(holders.map((t) => t.taskId)).toEqual(['db.1']);
    expect(describeTasks(holders)).toBe('db.1 (framework F, TASK_RUNNING)');
  });
});
