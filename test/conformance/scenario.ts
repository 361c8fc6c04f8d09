/**
 * The fidelity scenario: a simulated cluster is drained, maintained, reserved, given volumes that are created,
 * grown, shrunk and destroyed, given quota and weights, failed over, and has agents marked unreachable and gone,
 * while a SUBSCRIBE stream is open. Every master and agent answer along the way is recorded (see recorder.ts).
 */
import { startTestCluster, waitFor, type SimCluster } from '../helpers/sim';
import { Recorder } from './recorder';

const MASTER_READS: ({ type: string } & Record<string, unknown>)[] = [
  { type: 'GET_HEALTH' },
  { type: 'GET_FLAGS' },
  { type: 'GET_VERSION' },
  { type: 'GET_METRICS', get_metrics: {} },
  { type: 'GET_LOGGING_LEVEL' },
  { type: 'LIST_FILES', list_files: { path: '/master/log' } },
  { type: 'READ_FILE', read_file: { path: '/master/log', offset: 0, length: 64 } },
  { type: 'GET_STATE' },
  { type: 'GET_AGENTS' },
  { type: 'GET_FRAMEWORKS' },
  { type: 'GET_EXECUTORS' },
  { type: 'GET_OPERATIONS' },
  { type: 'GET_TASKS' },
  { type: 'GET_ROLES' },
  { type: 'GET_WEIGHTS' },
  { type: 'GET_MASTER' },
  { type: 'GET_MAINTENANCE_STATUS' },
  { type: 'GET_MAINTENANCE_SCHEDULE' },
  { type: 'GET_QUOTA' },
];

const AGENT_READS: ({ type: string } & Record<string, unknown>)[] = [
  { type: 'GET_HEALTH' },
  { type: 'GET_FLAGS' },
  { type: 'GET_VERSION' },
  { type: 'GET_METRICS', get_metrics: {} },
  { type: 'GET_LOGGING_LEVEL' },
  { type: 'LIST_FILES', list_files: { path: '/slave/log' } },
  { type: 'READ_FILE', read_file: { path: '/slave/log', offset: 0 } },
  { type: 'GET_STATE' },
  { type: 'GET_CONTAINERS', get_containers: { show_nested: true, show_standalone: true } },
  { type: 'GET_FRAMEWORKS' },
  { type: 'GET_EXECUTORS' },
  { type: 'GET_OPERATIONS' },
  { type: 'GET_TASKS' },
  { type: 'GET_AGENT' },
  { type: 'GET_RESOURCE_PROVIDERS' },
];

/** The master reads and agent reads the scenario makes at every step. */
export const READ_CALLS = { master: MASTER_READS.map((c) => c.type), agent: AGENT_READS.map((c) => c.type) };

const PRINCIPAL = 'ops';
const reservation = (role: string) => [{ type: 'DYNAMIC', role, principal: PRINCIPAL }];
const scalar = (name: string, value: number, role?: string) => ({ name, type: 'SCALAR', scalar: { value }, ...(role ? { reservations: reservation(role) } : {}) });
const volume = (size: number, role: string, id: string) => ({
  ...scalar('disk', size, role),
  disk: { persistence: { id, principal: PRINCIPAL }, volume: { container_path: 'data', mode: 'RW' } },
});

/** What the scenario did, for the assertions. */
export interface ScenarioResult {
  recorder: Recorder;
  /** Task ids whose status updates came from a drain (killed) and from MARK_AGENT_GONE. */
  steps: string[];
}

function expectStatus(r: { status: number; text: string }, status: number, what: string): void {
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text}`);
}

/** Runs the scenario on a fresh simulator and returns every recorded answer. */
export async function runScenario(): Promise<ScenarioResult> {
  const sim: SimCluster = await startTestCluster({ agents: 5, tasksPerAgent: 2, frameworks: 2, seed: 11, timeScale: 100, operationPendingSeconds: 3600, agentReregisterSeconds: 50 });
  const rec = new Recorder();
  const steps: string[] = [];
  const agentUrl = (id: string): string => {
    const a = sim.model.agents.get(id);
    if (!a) throw new Error(`no agent ${id}`);
    return `http://${a.ip}:${a.port}`;
  };
  const registered = (): string[] => sim.model.registeredAgents().filter((a) => a.status === 'registered').map((a) => a.id);
  const readAll = async (label: string): Promise<void> => {
    rec.label = label;
    steps.push(label);
    for (const c of MASTER_READS) await rec.master(sim.leader, c);
    for (const id of registered()) for (const c of AGENT_READS) await rec.agent(agentUrl(id), c);
  };
  const drained = (id: string) => waitFor(() => sim.model.agents.get(id)?.drain?.state === 'DRAINED', `${id} DRAINED`, 20_000);

  const events = await rec.stream('event', sim.leader, { type: 'SUBSCRIBE' });
  try {
    await Recorder.next(events, (e) => e.type === 'HEARTBEAT', 'first heartbeat');
    const [a, b, c, d, e] = [...sim.model.agents.keys()] as [string, string, string, string, string];
    await readAll('initial');

    // Containers on agent c: a session that exits 3, its wait; a tty session; a nested container killed and removed.
    rec.label = 'containers';
    const containers = await rec.agent(agentUrl(c), { type: 'GET_CONTAINERS' });
    const executor = (containers.json as { get_containers: { containers: { container_id: { value: string } }[] } }).get_containers.containers[0]!.container_id;
    const session = { value: 'session-1', parent: executor };
    const s1 = await rec.stream('process-io', agentUrl(c), {
      type: 'LAUNCH_NESTED_CONTAINER_SESSION',
      launch_nested_container_session: { container_id: session, command: { value: 'echo out; echo err >&2; exit 3' } },
    });
    await s1.ended;
    await rec.agent(agentUrl(c), { type: 'WAIT_CONTAINER', wait_container: { container_id: session } });
    await rec.agent(agentUrl(c), { type: 'GET_CONTAINERS', get_containers: { show_nested: true } });
    await rec.agent(agentUrl(c), { type: 'REMOVE_CONTAINER', remove_container: { container_id: session } });
    const tty = { value: 'tty-1', parent: executor };
    const s2 = await rec.stream('process-io', agentUrl(c), {
      type: 'LAUNCH_NESTED_CONTAINER_SESSION',
      launch_nested_container_session: { container_id: tty, command: { value: 'tty' }, container: { type: 'MESOS', tty_info: { window_size: { rows: 24, columns: 80 } } } },
    });
    await s2.ended;
    await rec.agent(agentUrl(c), { type: 'WAIT_CONTAINER', wait_container: { container_id: tty } });
    const sleeper = { value: 'sleeper-1', parent: executor };
    expectStatus(await rec.agent(agentUrl(c), { type: 'LAUNCH_NESTED_CONTAINER', launch_nested_container: { container_id: sleeper, command: { value: 'while true; do echo tick; sleep 0.1; done' } } }), 200, 'launch');
    const out = await rec.stream('process-io', agentUrl(c), { type: 'ATTACH_CONTAINER_OUTPUT', attach_container_output: { container_id: sleeper } });
    await waitFor(() => out.records.some((r) => r.includes('"STDOUT"')), 'attached output');
    await rec.agent(agentUrl(c), { type: 'GET_CONTAINERS', get_containers: { show_nested: true } });
    expectStatus(await rec.agent(agentUrl(c), { type: 'KILL_CONTAINER', kill_container: { container_id: sleeper, signal: 15 } }), 200, 'kill');
    await rec.agent(agentUrl(c), { type: 'WAIT_CONTAINER', wait_container: { container_id: sleeper } });
    await out.ended;
    await rec.agent(agentUrl(c), { type: 'REMOVE_CONTAINER', remove_container: { container_id: sleeper } });

    // Drain agent a and reactivate it.
    rec.label = 'drain';
    expectStatus(await rec.master(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: a }, max_grace_period: { seconds: 1 } } }), 200, 'drain a');
    await readAll('draining');
    await drained(a);
    await readAll('drained');
    expectStatus(await rec.master(sim.leader, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: a } } }), 200, 'reactivate a');

    // Maintenance of agent b's machine: drain, schedule, down, up, and the agent back under a new id.
    rec.label = 'maintenance';
    const bAgent = sim.model.agents.get(b)!;
    const machine = { hostname: bAgent.hostname, ip: bAgent.ip };
    expectStatus(await rec.master(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: b }, max_grace_period: { seconds: 1 } } }), 200, 'drain b');
    await drained(b);
    const window = { machine_ids: [machine], unavailability: { start: { nanoseconds: `${Date.now()}000000` }, duration: { nanoseconds: 3_600_000_000_000 } } };
    expectStatus(await rec.master(sim.leader, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [window] } } }), 200, 'schedule');
    await readAll('scheduled');
    expectStatus(await rec.master(sim.leader, { type: 'START_MAINTENANCE', start_maintenance: { machines: [machine] } }), 200, 'start maintenance');
    await readAll('down');
    expectStatus(await rec.master(sim.leader, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [machine] } }), 200, 'stop maintenance');
    await waitFor(() => sim.model.registeredAgents().some((x) => x.hostname === machine.hostname && x.id !== b), 'the machine back as a new agent', 20_000);

    // Reservations and volumes on agent c (operations stay pending: operationPendingSeconds).
    rec.label = 'resources';
    const ops = async (): Promise<void> => {
      await rec.master(sim.leader, { type: 'GET_OPERATIONS' });
      await rec.master(sim.leader, { type: 'GET_AGENTS' });
      await rec.agent(agentUrl(c), { type: 'GET_OPERATIONS' });
      await rec.agent(agentUrl(c), { type: 'GET_AGENT' });
    };
    const agentC = { value: c };
    expectStatus(await rec.master(sim.leader, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: agentC, resources: [scalar('cpus', 1, 'storage'), scalar('disk', 4096, 'storage')] } }), 202, 'reserve');
    await ops();
    expectStatus(await rec.master(sim.leader, { type: 'CREATE_VOLUMES', create_volumes: { agent_id: agentC, volumes: [volume(1024, 'storage', 'pv-1')] } }), 202, 'create');
    await ops();
    expectStatus(await rec.master(sim.leader, { type: 'GROW_VOLUME', grow_volume: { agent_id: agentC, volume: volume(1024, 'storage', 'pv-1'), addition: scalar('disk', 512, 'storage') } }), 202, 'grow');
    await ops();
    expectStatus(await rec.master(sim.leader, { type: 'SHRINK_VOLUME', shrink_volume: { agent_id: agentC, volume: volume(1536, 'storage', 'pv-1'), subtract: { value: 256 } } }), 202, 'shrink');
    await ops();
    await readAll('volume');
    expectStatus(await rec.master(sim.leader, { type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: agentC, volumes: [volume(1280, 'storage', 'pv-1')] } }), 202, 'destroy');
    await ops();
    expectStatus(await rec.master(sim.leader, { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: agentC, resources: [scalar('cpus', 1, 'storage'), scalar('disk', 1024, 'storage')] } }), 202, 'unreserve');
    await ops();

    // Quota and weights.
    rec.label = 'quota';
    const quota = { role: 'storage', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 4 }, mem: { value: 4096 } } };
    expectStatus(await rec.master(sim.leader, { type: 'UPDATE_QUOTA', update_quota: { force: false, quota_configs: [quota] } }), 200, 'update quota');
    expectStatus(await rec.master(sim.leader, { type: 'SET_QUOTA', set_quota: { quota_request: { role: 'batch', guarantee: [scalar('cpus', 0.5)] } } }), 200, 'set quota');
    expectStatus(await rec.master(sim.leader, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'storage', weight: 2.5 }] } }), 200, 'weights');
    await readAll('quota');

    // Agent d marked gone (its tasks TASK_GONE_BY_OPERATOR); agent e unreachable (TASK_UNREACHABLE).
    rec.label = 'gone';
    expectStatus(await rec.master(sim.leader, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: d } } }), 200, 'mark gone');
    sim.makeUnreachable(e);
    await readAll('gone');

    // A framework torn down (FRAMEWORK_REMOVED).
    rec.label = 'teardown';
    const second = [...sim.model.frameworks.keys()][1] as string;
    expectStatus(await rec.master(sim.leader, { type: 'TEARDOWN', teardown: { framework_id: { value: second } } }), 200, 'teardown');

    // A failover: the SUBSCRIBE stream ends; the new leader lists the agents as recovered until they re-register.
    rec.label = 'failover';
    await sim.failover({ electionSeconds: 0, recoverySeconds: 0 });
    await events.ended;
    const again = await rec.stream('event', sim.leader, { type: 'SUBSCRIBE' });
    try {
      await rec.master(sim.leader, { type: 'GET_AGENTS' });
      await rec.master(sim.leader, { type: 'GET_STATE' });
      await waitFor(() => sim.model.agents.size > 0 && [...sim.model.agents.values()].every((x) => x.status !== 'recovered'), 'agents re-registered', 20_000);
      await Recorder.next(again, (ev) => ev.type === 'AGENT_ADDED', 'AGENT_ADDED after the failover');
      await readAll('recovered');
    } finally {
      again.close();
    }
    return { recorder: rec, steps };
  } finally {
    events.close();
    await sim.stop();
  }
}
