/**
 * The typed MasterClient against the simulator over real HTTP, call by call: every result must parse (a DECODE
 * error fails the test) and show the call's effect as shared/spec/mesos-semantics.md describes it.
 */
import { MasterClient, type Agent, type MasterEvent, type ResourceInput } from '../../../src/mesos';
import type { SimCluster } from '../../../src/sim';
import { clientFor, dynamic, expectMesosError, idOf, machineOf, scalarOf, startSim, until } from './helpers';

/** Master call types this file exercises through the client (checked by coverage.test.ts). */
export const EXERCISED_MASTER_CALLS = [
  'GET_HEALTH',
  'GET_FLAGS',
  'GET_VERSION',
  'GET_METRICS',
  'GET_LOGGING_LEVEL',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'GET_STATE',
  'GET_AGENTS',
  'GET_FRAMEWORKS',
  'GET_EXECUTORS',
  'GET_TASKS',
  'GET_ROLES',
  'GET_OPERATIONS',
  'GET_WEIGHTS',
  'UPDATE_WEIGHTS',
  'GET_MASTER',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'GET_QUOTA',
  'UPDATE_QUOTA',
  'TEARDOWN',
  'MARK_AGENT_GONE',
  'DRAIN_AGENT',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
] as const;

const SECOND = 1_000_000_000n;

describe('MasterClient against the simulator', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  let agents: Agent[];

  const agentById = async (id: string): Promise<Agent | undefined> => (await mesos.getAgents()).agents.find((a) => idOf(a) === id);

  beforeAll(async () => {
    sim = await startSim({ agents: 7, tasksPerAgent: 2, frameworks: 2 });
    mesos = clientFor(sim);
    agents = (await mesos.getAgents()).agents;
  });
  afterAll(async () => {
    await mesos.close();
    await sim.stop();
  });

  describe('reads', () => {
    it('GET_HEALTH is healthy on the leader', async () => {
      await expect(mesos.getHealth()).resolves.toEqual({ healthy: true });
    });

    it('GET_FLAGS lists string flags, among them the port the master listens on', async () => {
      const { flags } = await mesos.getFlags();
      const port = flags.find((f) => f.name === 'port');
      expect(port?.value).toBe(new URL(sim.leader).port);
      for (const f of flags) expect(typeof f.value).toBe('string');
    });

    it('GET_VERSION reports Mesos 1.11.0', async () => {
      const v = await mesos.getVersion();
      expect(v.version_info.version).toBe('1.11.0');
    });

    it('GET_MASTER describes the leader (ip as a network-byte-order uint32)', async () => {
      const m = await mesos.getMaster();
      expect(m.master_info.port).toBe(Number(new URL(sim.leader).port));
      expect(m.master_info.address?.ip).toBe('127.0.0.1');
      expect(m.master_info.ip).toBe(0x0100007f);
      expect(typeof m.start_time).toBe('number');
    });

    it('GET_METRICS (with a timeout as bigint nanoseconds) computes gauges from the cluster', async () => {
      const { metrics } = await mesos.getMetrics({ timeoutNanoseconds: 5n * SECOND });
      const byName = new Map(metrics.map((m) => [m.name, m.value]));
      const registered = (await mesos.getAgents()).agents;
      expect(byName.get('master/slaves_active')).toBe(registered.filter((a) => a.active).length);
      expect(byName.get('master/elected')).toBe(1);
      const running = (await mesos.getTasks()).tasks.filter((t) => t.state === 'TASK_RUNNING').length;
      expect(byName.get('master/tasks_running')).toBe(running);
    });

    it('GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS and GET_TASKS agree with each other and the seed', async () => {
      const state = await mesos.getState();
      const got = await mesos.getAgents();
      const fws = await mesos.getFrameworks();
      const ex = await mesos.getExecutors();
      const tasks = await mesos.getTasks();
      expect(got.agents).toHaveLength(7);
      expect(state.get_agents.agents.map(idOf).sort()).toEqual(got.agents.map(idOf).sort());
      expect(fws.frameworks.map((f) => f.framework_info.name)).toContain('marathon');
      expect(fws.frameworks).toHaveLength(2);
      expect(state.get_frameworks.frameworks).toHaveLength(2);
      expect(tasks.tasks.length).toBeGreaterThanOrEqual(12);
      expect(state.get_tasks.tasks.map((t) => t.task_id.value).sort()).toEqual(tasks.tasks.map((t) => t.task_id.value).sort());
      expect(ex.executors.every((e) => got.agents.some((a) => idOf(a) === e.agent_id.value))).toBe(true);
      for (const a of got.agents) {
        expect(a.active).toBe(true);
        expect(a.deactivated).toBe(false);
        expect(a.capabilities.map((c) => c.type)).toContain('AGENT_DRAINING');
      }
    });

    it('int64 nanoseconds come back exact as bigint (registered_time > 2^53)', async () => {
      const a = (await mesos.getAgents()).agents[0] as Agent;
      const ns = a.registered_time?.nanoseconds;
      expect(typeof ns).toBe('bigint');
      expect(ns).toBe(sim.model.agents.get(idOf(a))?.registeredNs);
      expect((ns as bigint) > 2n ** 53n).toBe(true);
    });

    it('GET_ROLES lists the frameworks\' roles with their frameworks', async () => {
      const { roles } = await mesos.getRoles();
      const fws = (await mesos.getFrameworks()).frameworks;
      for (const f of fws) {
        const role = f.framework_info.roles[0] ?? f.framework_info.role;
        const r = roles.find((x) => x.name === role);
        expect(r).toBeDefined();
        expect(r?.frameworks.map((x) => x.value)).toContain(f.framework_info.id?.value);
        // resources = allocated (+ offered; no offers here): the sum of the framework's task resources (spec §7).
        const tasks = (await mesos.getTasks()).tasks.filter((t) => t.framework_id.value === f.framework_info.id?.value);
        for (const name of ['cpus', 'mem']) {
          const sum = tasks.reduce((acc, t) => acc + scalarOf(t.resources, name), 0);
          expect(scalarOf(r?.resources ?? [], name)).toBeCloseTo(sum, 6);
        }
      }
      expect(roles.map((r) => r.name)).toEqual([...roles.map((r) => r.name)].sort());
    });
  });

  describe('logging level and files', () => {
    it('SET_LOGGING_LEVEL takes effect at once; GET_LOGGING_LEVEL reports it; it reverts after the duration', async () => {
      expect((await mesos.getLoggingLevel()).level).toBe(0);
      await mesos.setLoggingLevel({ level: 2, durationNanoseconds: 3600n * SECOND });
      expect((await mesos.getLoggingLevel()).level).toBe(2);
      // 2 simulated seconds are 20 ms at time scale 100.
      await mesos.setLoggingLevel({ level: 3, durationNanoseconds: '2000000000' });
      expect((await mesos.getLoggingLevel()).level).toBe(3);
      await until(async () => (await mesos.getLoggingLevel()).level === 0, 'the level to revert to the startup level');
    });

    it('LIST_FILES and READ_FILE read the master log, which records mutating calls', async () => {
      const { file_infos } = await mesos.listFiles({ path: '/master/log' });
      expect(file_infos).toHaveLength(1);
      const info = file_infos[0];
      expect(info?.path).toBe('/master/log');
      expect(info?.size).toBeGreaterThan(0);
      expect(typeof info?.mtime?.nanoseconds).toBe('bigint');
      const whole = await mesos.readFile({ path: '/master/log', offset: 0 });
      const text = Buffer.from(whole.data, 'base64').toString('utf8');
      expect(text).toContain('started');
      expect(text).toContain('SET_LOGGING_LEVEL');
      expect(whole.size).toBe(Buffer.byteLength(text));
      const sizeOnly = await mesos.readFile({ path: '/master/log', offset: 0, length: 0 });
      expect([sizeOnly.size, sizeOnly.data]).toEqual([whole.size, '']);
      const tail = await mesos.readFile({ path: '/master/log', offset: 5, length: 10 });
      expect(Buffer.from(tail.data, 'base64').toString('utf8')).toBe(text.slice(5, 15));
      await expectMesosError(mesos.readFile({ path: '/master/nope' }), 'MESOS_NOT_FOUND', 404);
    });
  });

  describe('draining', () => {
    it('DRAIN_AGENT stores the config (grace period echoed exactly in nanoseconds), deactivates, and ends DRAINED', async () => {
      const id = idOf(agents[0] as Agent);
      await mesos.drainAgent({ agentId: id, maxGracePeriodSeconds: 1.5 });
      const draining = await agentById(id);
      expect(draining?.deactivated).toBe(true);
      expect(draining?.active).toBe(false);
      expect(draining?.drain_info?.config.max_grace_period?.nanoseconds).toBe(1_500_000_000n);
      expect(draining?.drain_info?.config.mark_gone).toBe(false);
      // estimated_drain_start_time is truncated to whole seconds (spec §4).
      const est = draining?.estimated_drain_start_time?.nanoseconds;
      expect(typeof est).toBe('bigint');
      expect((est as bigint) % SECOND).toBe(0n);
      await until(async () => (await agentById(id))?.drain_info?.state === 'DRAINED', 'the agent to be DRAINED');
      const tasks = await mesos.getTasks();
      expect(tasks.tasks.filter((t) => t.agent_id.value === id)).toEqual([]);
      const killed = tasks.completed_tasks.filter((t) => t.agent_id.value === id);
      expect(killed.length).toBe(2);
      for (const t of killed) expect(t.state).toBe('TASK_KILLED');
    });

    it('REACTIVATE_AGENT of a DRAINED agent clears drain info and deactivation', async () => {
      const id = idOf(agents[0] as Agent);
      await mesos.reactivateAgent({ agentId: id });
      const a = await agentById(id);
      expect(a?.drain_info).toBeUndefined();
      expect(a?.deactivated).toBe(false);
      expect(a?.active).toBe(true);
    });

    it('a 400 (REACTIVATE_AGENT of an agent not deactivated) is MESOS_BAD_REQUEST with Mesos\'s text', async () => {
      const id = idOf(agents[4] as Agent);
      await expectMesosError(mesos.reactivateAgent({ agentId: id }), 'MESOS_BAD_REQUEST', 400, 'Agent is not deactivated');
    });

    it('DEACTIVATE_AGENT (idempotent) keeps tasks running; REACTIVATE_AGENT; unknown agent is a 400', async () => {
      const id = idOf(agents[4] as Agent);
      await mesos.deactivateAgent({ agentId: id });
      await mesos.deactivateAgent({ agentId: id });
      let a = await agentById(id);
      expect([a?.active, a?.deactivated, a?.drain_info]).toEqual([false, true, undefined]);
      // Tasks keep running on a deactivated agent.
      expect((await mesos.getTasks()).tasks.filter((t) => t.agent_id.value === id && t.state === 'TASK_RUNNING')).toHaveLength(2);
      await mesos.reactivateAgent({ agentId: id });
      a = await agentById(id);
      expect([a?.active, a?.deactivated]).toEqual([true, false]);
      await expectMesosError(mesos.deactivateAgent({ agentId: 'no-such-agent' }), 'MESOS_BAD_REQUEST', 400, 'Unknown agent');
    });

    it('a 409 from REACTIVATE_AGENT of an unreachable agent is MESOS_CONFLICT (the state is still cleared)', async () => {
      const id = idOf(agents[6] as Agent);
      sim.makeUnreachable(id);
      await mesos.deactivateAgent({ agentId: id });
      await expectMesosError(mesos.reactivateAgent({ agentId: id }), 'MESOS_CONFLICT', 409, 'Agent removed while processing the call');
      await expectMesosError(mesos.reactivateAgent({ agentId: id }), 'MESOS_BAD_REQUEST', 400, 'Agent is not deactivated');
      expect(await agentById(id)).toBeUndefined();
    });

    it('REACTIVATE_AGENT while DRAINING is a 400 (frameworks that never acknowledge keep it DRAINING)', async () => {
      const id = idOf(agents[5] as Agent);
      const fids = (await mesos.getFrameworks()).frameworks.map((f) => f.framework_info.id?.value as string);
      for (const f of fids) sim.setFrameworkAcknowledges(f, false);
      try {
        await mesos.drainAgent({ agentId: id, maxGracePeriodSeconds: 0 });
        // Every task reaches a terminal state, but without acknowledgements the agent stays DRAINING.
        await until(async () => {
          const t = await mesos.getTasks();
          return t.tasks.filter((x) => x.agent_id.value === id).every((x) => x.state === 'TASK_KILLED');
        }, 'the drained tasks to be killed');
        expect((await agentById(id))?.drain_info?.state).toBe('DRAINING');
        await expectMesosError(mesos.reactivateAgent({ agentId: id }), 'MESOS_BAD_REQUEST', 400, 'Agent is still in the DRAINING state');
      } finally {
        for (const f of fids) sim.setFrameworkAcknowledges(f, true);
      }
    });
  });

  describe('reservations and volumes', () => {
    const cpus = (value: number, role?: string): ResourceInput => ({
      name: 'cpus',
      type: 'SCALAR',
      scalar: { value },
      ...(role ? { reservations: [dynamic(role)] } : {}),
    });
    const disk = (value: number, extra: Record<string, unknown> = {}): ResourceInput => ({
      name: 'disk',
      type: 'SCALAR',
      scalar: { value },
      reservations: [dynamic('ops')],
      ...extra,
    });
    const volume = (value: number): ResourceInput =>
      disk(value, { disk: { persistence: { id: 'vol-1', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } } });
    const volumesOf = (a: Agent | undefined) => (a?.total_resources ?? []).filter((r) => r.name === 'disk' && r.disk !== undefined);

    it('RESERVE_RESOURCES of unreserved cpus shows in GET_AGENTS total_resources (both formats) and GET_ROLES', async () => {
      const id = idOf(agents[1] as Agent);
      await mesos.reserveResources({ agentId: id, resources: [cpus(1.5, 'ops')] });
      const a = await agentById(id);
      expect(scalarOf(a?.total_resources ?? [], 'cpus', 'ops')).toBe(1.5);
      expect(scalarOf(a?.total_resources ?? [], 'cpus', '*')).toBe(6.5);
      const reserved = a?.total_resources.find((r) => r.name === 'cpus' && r.reservations.length === 1);
      expect(reserved?.role).toBe('ops');
      expect(reserved?.reservations[0]).toMatchObject({ type: 'DYNAMIC', role: 'ops', principal: 'ops' });
      expect(reserved?.reservation?.principal).toBe('ops');
      expect((await mesos.getRoles()).roles.map((r) => r.name)).toContain('ops');
    });

    it('unreserved resources carry role "*"; a refined reservation (RESERVE with source) carries only `reservations`', async () => {
      const id = idOf(agents[1] as Agent);
      const before = await agentById(id);
      const unreserved = before?.total_resources.filter((r) => r.reservations.length === 0) ?? [];
      expect(unreserved.length).toBeGreaterThan(0);
      for (const r of unreserved) expect(r.role).toBe('*');
      const eng = { name: 'mem', type: 'SCALAR', scalar: { value: 1024 }, reservations: [dynamic('eng')] };
      await mesos.reserveResources({ agentId: id, resources: [eng] });
      const refined = { ...eng, reservations: [dynamic('eng'), dynamic('eng/dev')] };
      await mesos.reserveResources({ agentId: id, source: [eng], resources: [refined] });
      const a = await agentById(id);
      const r = a?.total_resources.find((x) => x.name === 'mem' && x.reservations.length === 2);
      expect(r?.scalar?.value).toBe(1024);
      expect(r?.reservations.map((x) => x.role)).toEqual(['eng', 'eng/dev']);
      expect(r?.role).toBeUndefined();
      expect(r?.reservation).toBeUndefined();
      expect(scalarOf(a?.total_resources ?? [], 'mem', 'eng')).toBe(0);
      // Unreserve pops the refinement, then the base reservation.
      await mesos.unreserveResources({ agentId: id, resources: [refined] });
      expect(scalarOf((await agentById(id))?.total_resources ?? [], 'mem', 'eng')).toBe(1024);
      await mesos.unreserveResources({ agentId: id, resources: [eng] });
      expect(scalarOf((await agentById(id))?.total_resources ?? [], 'mem', '*')).toBe(32768);
    });

    it('UNRESERVE_RESOURCES gives the cpus back', async () => {
      const id = idOf(agents[1] as Agent);
      await mesos.unreserveResources({ agentId: id, resources: [cpus(1.5, 'ops')] });
      const a = await agentById(id);
      expect(scalarOf(a?.total_resources ?? [], 'cpus', 'ops')).toBe(0);
      expect(scalarOf(a?.total_resources ?? [], 'cpus', '*')).toBe(8);
    });

    it('a 409 (reserving more than available) is MESOS_CONFLICT with the allocator text', async () => {
      const id = idOf(agents[1] as Agent);
      await expectMesosError(mesos.reserveResources({ agentId: id, resources: [cpus(100, 'ops')] }), 'MESOS_CONFLICT', 409, 'does not contain');
      expect(scalarOf((await agentById(id))?.total_resources ?? [], 'cpus', 'ops')).toBe(0);
    });

    it('400s of the operation pipeline: unknown agent, the "*" role', async () => {
      await expectMesosError(mesos.reserveResources({ agentId: 'nope', resources: [cpus(1, 'ops')] }), 'MESOS_BAD_REQUEST', 400, 'No agent found with specified ID');
      await expectMesosError(
        mesos.reserveResources({ agentId: idOf(agents[1] as Agent), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: '*' }] }] }),
        'MESOS_BAD_REQUEST',
        400,
        'cannot be dynamically reserved',
      );
    });

    it('CREATE_VOLUMES on reserved disk, GROW_VOLUME, SHRINK_VOLUME, DESTROY_VOLUMES, then UNRESERVE the disk', async () => {
      const id = idOf(agents[1] as Agent);
      await mesos.reserveResources({ agentId: id, resources: [disk(4096)] });
      expect(scalarOf((await agentById(id))?.total_resources ?? [], 'disk', 'ops')).toBe(4096);

      await mesos.createVolumes({ agentId: id, volumes: [volume(1024)] });
      let vols = volumesOf(await agentById(id));
      expect(vols).toHaveLength(1);
      expect(vols[0]?.scalar?.value).toBe(1024);
      expect(vols[0]?.disk).toMatchObject({ persistence: { id: 'vol-1' }, volume: { container_path: 'data', mode: 'RW' } });
      await expectMesosError(mesos.createVolumes({ agentId: id, volumes: [volume(10)] }), 'MESOS_BAD_REQUEST', 400, 'is not unique');

      await mesos.growVolume({ agentId: id, volume: volume(1024), addition: disk(512) });
      vols = volumesOf(await agentById(id));
      expect(vols.map((v) => v.scalar?.value)).toEqual([1536]);

      await mesos.shrinkVolume({ agentId: id, volume: volume(1536), subtract: 256 });
      vols = volumesOf(await agentById(id));
      expect(vols.map((v) => v.scalar?.value)).toEqual([1280]);
      await expectMesosError(mesos.shrinkVolume({ agentId: id, volume: volume(1280), subtract: 1280 }), 'MESOS_BAD_REQUEST', 400);

      await expectMesosError(mesos.unreserveResources({ agentId: id, resources: [volume(1280)] }), 'MESOS_BAD_REQUEST', 400, 'cannot be unreserved');
      await mesos.destroyVolumes({ agentId: id, volumes: [volume(1280)] });
      expect(volumesOf(await agentById(id))).toEqual([]);
      await expectMesosError(mesos.destroyVolumes({ agentId: id, volumes: [volume(1280)] }), 'MESOS_BAD_REQUEST', 400, 'Persistent volumes not found');

      await mesos.unreserveResources({ agentId: id, resources: [disk(4096)] });
      const a = await agentById(id);
      expect(scalarOf(a?.total_resources ?? [], 'disk', 'ops')).toBe(0);
      expect(scalarOf(a?.total_resources ?? [], 'disk', '*')).toBe(262144);
    });

    it('GET_OPERATIONS parses (operator operations are only briefly listed, as OPERATION_PENDING)', async () => {
      const { operations } = await mesos.getOperations();
      for (const op of operations) expect(op.latest_status?.state).toBe('OPERATION_PENDING');
      await until(async () => (await mesos.getOperations()).operations.length === 0, 'pending operations to be acknowledged away');
    });
  });

  describe('maintenance', () => {
    it('UPDATE_MAINTENANCE_SCHEDULE → DRAINING; START_MAINTENANCE → DOWN and removed; STOP_MAINTENANCE → back as a new agent', async () => {
      const a = agents[2] as Agent;
      const machine = machineOf(a);
      const start = BigInt(Date.now()) * 1_000_000n + 123_456_789n;
      await mesos.updateMaintenanceSchedule({
        windows: [{ machine_ids: [machine], unavailability: { start: { nanoseconds: start }, duration: { nanoseconds: 3600n * SECOND } } }],
      });
      const { schedule } = await mesos.getMaintenanceSchedule();
      expect(schedule.windows).toHaveLength(1);
      expect(schedule.windows[0]?.machine_ids).toEqual([machine]);
      expect(schedule.windows[0]?.unavailability.start.nanoseconds).toBe(start);
      expect(schedule.windows[0]?.unavailability.duration?.nanoseconds).toBe(3600n * SECOND);
      let status = (await mesos.getMaintenanceStatus()).status;
      expect(status.draining_machines.map((m) => m.id)).toEqual([machine]);
      expect(status.down_machines).toEqual([]);

      // DRAIN_AGENT refuses an agent whose machine is in the schedule.
      await expectMesosError(mesos.drainAgent({ agentId: idOf(a) }), 'MESOS_BAD_REQUEST', 400, 'is part of a maintenance schedule');
      // STOP_MAINTENANCE of a DRAINING machine is refused.
      await expectMesosError(mesos.stopMaintenance({ machines: [machine] }), 'MESOS_BAD_REQUEST', 400, 'is not in DOWN mode');

      const onMachine = (await mesos.getTasks()).tasks.filter((t) => t.agent_id.value === idOf(a));
      expect(onMachine.length).toBeGreaterThanOrEqual(2);
      await mesos.startMaintenance({ machines: [machine] });
      status = (await mesos.getMaintenanceStatus()).status;
      expect(status.down_machines).toEqual([machine]);
      expect(status.draining_machines).toEqual([]);
      expect(await agentById(idOf(a))).toBeUndefined();
      const lost = (await mesos.getTasks()).completed_tasks.filter((t) => t.agent_id.value === idOf(a));
      expect(lost.map((t) => t.task_id.value).sort()).toEqual(onMachine.map((t) => t.task_id.value).sort());
      for (const t of lost) expect([t.state, t.statuses[t.statuses.length - 1]?.reason]).toEqual(['TASK_LOST', 'REASON_AGENT_REMOVED']);
      await expectMesosError(mesos.startMaintenance({ machines: [machine] }), 'MESOS_BAD_REQUEST', 400, 'is not in DRAINING mode');

      await mesos.stopMaintenance({ machines: [machine] });
      expect((await mesos.getMaintenanceSchedule()).schedule.windows).toEqual([]);
      expect((await mesos.getMaintenanceStatus()).status.down_machines).toEqual([]);
      const back = await until(
        async () => (await mesos.getAgents()).agents.find((x) => x.agent_info.hostname === machine.hostname),
        'the machine\'s agent to come back',
      );
      expect(idOf(back)).not.toBe(idOf(a));
      expect([back.active, back.deactivated, back.drain_info]).toEqual([true, false, undefined]);
      expect(machineOf(back)).toEqual(machine);
    });

    it('a DOWN machine cannot be dropped from the schedule (400), a hostname-only MachineID never matches an agent', async () => {
      const a = agents[5] as Agent;
      const machine = machineOf(a);
      // Hostname only: accepted and tracked, but it matches no agent, so DRAIN_AGENT is not refused for it.
      await mesos.updateMaintenanceSchedule({ windows: [{ machine_ids: [{ hostname: machine.hostname }], unavailability: { start: { nanoseconds: 1n } } }] });
      expect((await mesos.getMaintenanceStatus()).status.draining_machines.map((m) => m.id)).toEqual([{ hostname: machine.hostname }]);
      await mesos.startMaintenance({ machines: [{ hostname: machine.hostname }] });
      expect(await agentById(idOf(a))).toBeDefined();
      await expectMesosError(mesos.updateMaintenanceSchedule({ windows: [] }), 'MESOS_BAD_REQUEST', 400, 'is deactivated and cannot be removed from the schedule');
      await mesos.stopMaintenance({ machines: [{ hostname: machine.hostname }] });
      expect((await mesos.getMaintenanceSchedule()).schedule.windows).toEqual([]);
    });

    it('hostnames match case-insensitively: DRAIN_AGENT is refused for an agent scheduled under an upper-case hostname', async () => {
      const a = agents[4] as Agent;
      const machine = machineOf(a);
      const upper = { hostname: machine.hostname.toUpperCase(), ip: machine.ip };
      await mesos.updateMaintenanceSchedule({ windows: [{ machine_ids: [upper], unavailability: { start: { nanoseconds: 1n } } }] });
      await expectMesosError(mesos.drainAgent({ agentId: idOf(a) }), 'MESOS_BAD_REQUEST', 400, 'is part of a maintenance schedule');
      // Dropping a DRAINING machine from the schedule returns it to UP.
      await mesos.updateMaintenanceSchedule({ windows: [] });
      expect((await mesos.getMaintenanceStatus()).status).toEqual({ draining_machines: [], down_machines: [] });
    });

    it('UPDATE_MAINTENANCE_SCHEDULE validation is a 400 with Mesos\'s text', async () => {
      await expectMesosError(
        mesos.updateMaintenanceSchedule({ windows: [{ machine_ids: [], unavailability: { start: { nanoseconds: 1n } } }] }),
        'MESOS_BAD_REQUEST',
        400,
        'List of machines in the maintenance window is empty',
      );
      await expectMesosError(mesos.startMaintenance({ machines: [] }), 'MESOS_BAD_REQUEST', 400, 'List of machines is empty');
    });
  });

  describe('quota and weights', () => {
    it('UPDATE_QUOTA then GET_QUOTA has the config; GET_ROLES lists the role', async () => {
      await mesos.updateQuota({ quotaConfigs: [{ role: 'dev', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 4 }, mem: { value: 4096 } } }] });
      const { status } = await mesos.getQuota();
      const dev = status.configs.find((c) => c.role === 'dev');
      expect(dev).toEqual({ role: 'dev', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 4 }, mem: { value: 4096 } } });
      expect(status.infos.find((i) => i.role === 'dev')?.guarantee.find((r) => r.name === 'cpus')?.scalar?.value).toBe(1);
      expect((await mesos.getRoles()).roles.map((r) => r.name)).toContain('dev');
    });

    it('UPDATE_QUOTA with guarantees above limits is a 400 and changes nothing', async () => {
      await expectMesosError(
        mesos.updateQuota({ quotaConfigs: [{ role: 'dev', guarantees: { cpus: { value: 8 } }, limits: { cpus: { value: 2 } } }] }),
        'MESOS_BAD_REQUEST',
        400,
        'Invalid QuotaConfig',
      );
      const dev = (await mesos.getQuota()).status.configs.find((c) => c.role === 'dev');
      expect(dev?.limits.cpus?.value).toBe(4);
    });

    it('UPDATE_QUOTA guarantees above cluster capacity: 400 unless forced', async () => {
      const big = { role: 'big', guarantees: { cpus: { value: 10_000 } }, limits: { cpus: { value: 10_000 } } };
      await expectMesosError(mesos.updateQuota({ quotaConfigs: [big] }), 'MESOS_BAD_REQUEST', 400, 'exceed cluster capacity');
      await mesos.updateQuota({ quotaConfigs: [big], force: true });
      expect((await mesos.getQuota()).status.configs.find((c) => c.role === 'big')?.guarantees.cpus?.value).toBe(10_000);
      // The capacity check is on the total after the update, so while 'big' is over capacity any unforced update fails.
      await expectMesosError(mesos.updateQuota({ quotaConfigs: [{ role: 'qa', limits: { cpus: { value: 1 } } }] }), 'MESOS_BAD_REQUEST', 400, 'exceed cluster capacity');
      // Resetting 'big' (empty guarantees and limits) brings the total back within capacity.
      await mesos.updateQuota({ quotaConfigs: [{ role: 'big', guarantees: {}, limits: {} }] });
      await mesos.updateQuota({ quotaConfigs: [{ role: 'qa', limits: { cpus: { value: 1 } } }] });
      expect((await mesos.getQuota()).status.configs.find((c) => c.role === 'qa')?.limits).toEqual({ cpus: { value: 1 } });
    });

    it('quota on a nested role is refused; a weight on a nested role lists its ancestors in GET_ROLES; roles are trimmed', async () => {
      await expectMesosError(
        mesos.updateQuota({ quotaConfigs: [{ role: 'eng/dev', limits: { cpus: { value: 1 } } }] }),
        'MESOS_BAD_REQUEST',
        400,
        "Updating quota on nested role 'eng/dev' is not supported yet",
      );
      await mesos.updateWeights({ weightInfos: [{ role: 'eng/dev', weight: 2 }, { role: '  trimmed  ', weight: 4 }] });
      const w = (await mesos.getWeights()).weight_infos;
      expect(w).toContainEqual({ role: 'eng/dev', weight: 2 });
      expect(w).toContainEqual({ role: 'trimmed', weight: 4 });
      const names = (await mesos.getRoles()).roles.map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['eng', 'eng/dev', 'trimmed']));
    });

    it('UPDATE_QUOTA limits below the role\'s consumption: 400 unless forced; empty guarantees and limits reset the role', async () => {
      const marathon = (await mesos.getFrameworks()).frameworks.find((f) => f.framework_info.name === 'marathon');
      const role = marathon?.framework_info.roles[0] ?? (marathon?.framework_info.role as string);
      expect((await mesos.getTasks()).tasks.some((t) => t.framework_id.value === marathon?.framework_info.id?.value && t.state === 'TASK_RUNNING')).toBe(true);
      const tiny = { role, limits: { cpus: { value: 0.001 } } };
      await expectMesosError(mesos.updateQuota({ quotaConfigs: [tiny] }), 'MESOS_BAD_REQUEST', 400, 'is already consuming');
      await mesos.updateQuota({ quotaConfigs: [tiny], force: true });
      expect((await mesos.getQuota()).status.configs.find((c) => c.role === role)?.limits).toEqual({ cpus: { value: 0.001 } });
      await mesos.updateQuota({ quotaConfigs: [{ role, guarantees: {}, limits: {} }] });
      // Mesos may keep `{role}` with empty maps in memory until a failover (spec §7); either way no quota remains.
      const after = (await mesos.getQuota()).status.configs.find((c) => c.role === role);
      expect(after === undefined || (Object.keys(after.guarantees).length === 0 && Object.keys(after.limits).length === 0)).toBe(true);
    });

    it('UPDATE_WEIGHTS then GET_WEIGHTS and GET_ROLES show the weight; weight 0 is a 400', async () => {
      await mesos.updateWeights({ weightInfos: [{ role: 'dev', weight: 2.5 }] });
      expect((await mesos.getWeights()).weight_infos).toContainEqual({ role: 'dev', weight: 2.5 });
      expect((await mesos.getRoles()).roles.find((r) => r.name === 'dev')?.weight).toBe(2.5);
      await expectMesosError(mesos.updateWeights({ weightInfos: [{ role: 'dev', weight: 0 }] }), 'MESOS_BAD_REQUEST', 400, 'Weights must be positive');
      expect((await mesos.getWeights()).weight_infos.find((w) => w.role === 'dev')?.weight).toBe(2.5);
    });
  });

  describe('mark gone and teardown', () => {
    it('MARK_AGENT_GONE removes the agent (tasks TASK_GONE_BY_OPERATOR), is idempotent, 404 for an unknown agent', async () => {
      const id = idOf(agents[3] as Agent);
      const partitionAware = new Set(
        (await mesos.getFrameworks()).frameworks
          .filter((f) => f.framework_info.capabilities.some((c) => c.type === 'PARTITION_AWARE'))
          .map((f) => f.framework_info.id?.value),
      );
      const before = (await mesos.getTasks()).tasks.filter((t) => t.agent_id.value === id);
      expect(before.length).toBeGreaterThanOrEqual(2);
      await mesos.markAgentGone({ agentId: id });
      expect(await agentById(id)).toBeUndefined();
      const after = await mesos.getTasks();
      expect(after.tasks.filter((t) => t.agent_id.value === id)).toEqual([]);
      const gone = after.completed_tasks.filter((t) => t.agent_id.value === id);
      expect(gone.map((t) => t.task_id.value).sort()).toEqual(before.map((t) => t.task_id.value).sort());
      for (const t of gone) expect(t.state).toBe(partitionAware.has(t.framework_id.value) ? 'TASK_GONE_BY_OPERATOR' : 'TASK_LOST');
      await mesos.markAgentGone({ agentId: id });
      await expectMesosError(mesos.markAgentGone({ agentId: 'no-such-agent' }), 'MESOS_NOT_FOUND', 404);
      await expectMesosError(mesos.drainAgent({ agentId: id }), 'MESOS_BAD_REQUEST', 400, 'Unknown agent');
    });

    it('an unreachable agent\'s tasks are in unreachable_tasks; MARK_AGENT_GONE moves them to completed as TASK_GONE_BY_OPERATOR', async () => {
      const id = idOf(agents[6] as Agent);
      const unreachable = (await mesos.getTasks()).unreachable_tasks.filter((t) => t.agent_id.value === id);
      expect(unreachable.length).toBeGreaterThanOrEqual(2);
      for (const t of unreachable) expect(t.state).toBe('TASK_UNREACHABLE');
      await mesos.markAgentGone({ agentId: id });
      const after = await mesos.getTasks();
      expect(after.unreachable_tasks.filter((t) => t.agent_id.value === id)).toEqual([]);
      const moved = after.completed_tasks.filter((t) => unreachable.some((u) => u.task_id.value === t.task_id.value));
      expect(moved.map((t) => t.task_id.value).sort()).toEqual(unreachable.map((t) => t.task_id.value).sort());
      for (const t of moved) expect(t.state).toBe('TASK_GONE_BY_OPERATOR');
    });

    it('TEARDOWN removes a framework (completed_frameworks); an unknown framework is a 400', async () => {
      const fws = (await mesos.getFrameworks()).frameworks;
      const victim = fws.find((f) => f.framework_info.name !== 'marathon');
      const fid = victim?.framework_info.id?.value as string;
      expect(fid).toBeDefined();
      await mesos.teardown({ frameworkId: fid });
      const after = await mesos.getFrameworks();
      expect(after.frameworks.map((f) => f.framework_info.id?.value)).not.toContain(fid);
      expect(after.completed_frameworks.map((f) => f.framework_info.id?.value)).toContain(fid);
      expect((await mesos.getTasks()).tasks.filter((t) => t.framework_id.value === fid)).toEqual([]);
      await expectMesosError(mesos.teardown({ frameworkId: fid }), 'MESOS_BAD_REQUEST', 400, 'No framework found with specified ID');
    });
  });
});

describe('DRAIN_AGENT of an unreachable agent', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  beforeAll(async () => {
    sim = await startSim({ agents: 2, tasksPerAgent: 2, relaunchTasks: false });
    mesos = clientFor(sim);
  });
  afterAll(async () => {
    await mesos.close();
    await sim.stop();
  });

  it('stores the drain; when the agent returns it drains to DRAINED, without estimated_drain_start_time (spec §4)', async () => {
    const id = idOf((await mesos.getAgents()).agents[0] as Agent);
    sim.makeUnreachable(id);
    expect((await mesos.getAgents()).agents.map(idOf)).not.toContain(id);
    await mesos.drainAgent({ agentId: id, maxGracePeriodSeconds: 1 });
    expect(await sim.restartAgent(id)).toBe(id);
    const a = await until(async () => {
      const x = (await mesos.getAgents()).agents.find((y) => idOf(y) === id);
      return x?.drain_info?.state === 'DRAINED' ? x : undefined;
    }, 'the returned agent to be DRAINED');
    expect([a.active, a.deactivated]).toEqual([false, true]);
    expect(a.drain_info?.config.max_grace_period?.nanoseconds).toBe(SECOND);
    expect(a.estimated_drain_start_time).toBeUndefined();
    expect((await mesos.getTasks()).tasks.filter((t) => t.agent_id.value === id)).toEqual([]);
  });
});

describe('a 300-agent cluster (agentListenLimit 256)', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  beforeAll(async () => {
    sim = await startSim({ agents: 300, tasksPerAgent: 3 });
    mesos = clientFor(sim);
  });
  afterAll(async () => {
    await mesos.close();
    await sim.stop();
  });

  it('GET_STATE and the SUBSCRIBED snapshot parse with every agent and task', async () => {
    const state = await mesos.getState();
    expect(state.get_agents.agents).toHaveLength(300);
    expect(state.get_tasks.tasks).toHaveLength(900);
    const stream = mesos.subscribe();
    try {
      const first = (await stream[Symbol.asyncIterator]().next()).value as MasterEvent;
      expect(first.type).toBe('SUBSCRIBED');
      if (first.type === 'SUBSCRIBED') expect(first.subscribed.get_state.get_agents.agents).toHaveLength(300);
    } finally {
      stream.close();
    }
  });

  it('an agent beyond the listen limit is reachable through its pid once opened', async () => {
    const last = (await mesos.getAgents()).agents.find((a) => a.agent_info.id?.value?.endsWith('-S299')) as Agent;
    expect(last).toBeDefined();
    const url = await sim.openAgent(idOf(last));
    const entry = (await mesos.getAgents()).agents.find((a) => idOf(a) === idOf(last)) as Agent;
    const agent = mesos.agent(entry);
    try {
      expect(agent.url).toBe(url);
      expect((await agent.getAgent()).agent_info.id?.value).toBe(idOf(last));
    } finally {
      await agent.close();
    }
  });
});

describe('network faults through the client', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  beforeAll(async () => {
    sim = await startSim({ agents: 2, tasksPerAgent: 1 });
    mesos = clientFor(sim, { timeoutMs: 1000 });
  });
  afterEach(() => sim.setFault({ rules: [] }));
  afterAll(async () => {
    await mesos.close();
    await sim.stop();
  });

  it('a slow answer is TIMEOUT (retryable); a reset is CONNECTION; a 500 is MESOS_SERVER_ERROR with its text', async () => {
    sim.setFault({ rules: [{ calls: ['GET_VERSION'], latencyMs: 5000 }] });
    expect(await mesos.getVersion().catch((e: unknown) => e)).toMatchObject({ code: 'TIMEOUT', retryable: true });
    sim.setFault({ rules: [{ calls: ['GET_FLAGS'], resetRate: 1 }] });
    expect(await mesos.getFlags().catch((e: unknown) => e)).toMatchObject({ code: 'CONNECTION', retryable: true });
    sim.setFault({ rules: [{ calls: ['GET_ROLES'], errorRate: 1, errorStatus: 500, errorBody: 'Failed to snapshot' }] });
    await expectMesosError(mesos.getRoles(), 'MESOS_SERVER_ERROR', 500, 'Failed to snapshot');
    sim.setFault({ rules: [] });
    expect((await mesos.getVersion()).version_info.version).toBe('1.11.0');
  });

  it('a write whose response is lost is CONNECTION, yet applied: the read shows it (read before retrying)', async () => {
    const id = idOf((await mesos.getAgents()).agents[0] as Agent);
    sim.setFault({ rules: [{ calls: ['DEACTIVATE_AGENT'], responseLostRate: 1 }] });
    expect(await mesos.deactivateAgent({ agentId: id }).catch((e: unknown) => e)).toMatchObject({ code: 'CONNECTION' });
    sim.setFault({ rules: [] });
    expect((await mesos.getAgents()).agents.find((a) => idOf(a) === id)?.deactivated).toBe(true);
    expect(sim.audit().filter((e) => e.call === 'DEACTIVATE_AGENT').map((e) => e.outcome)).toEqual(['applied-response-lost']);
  });
});

describe('a --roles whitelist', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  beforeAll(async () => {
    sim = await startSim({ agents: 1, tasksPerAgent: 0, frameworks: 0, roles: ['dev', 'eng/web'] });
    mesos = clientFor(sim);
  });
  afterAll(async () => {
    await mesos.close();
    await sim.stop();
  });

  it('GET_ROLES lists the whitelist and ancestors; quota and weights of other roles are 400s', async () => {
    expect((await mesos.getRoles()).roles.map((r) => r.name)).toEqual(['dev', 'eng', 'eng/web']);
    await expectMesosError(mesos.updateQuota({ quotaConfigs: [{ role: 'other', limits: { cpus: { value: 1 } } }] }), 'MESOS_BAD_REQUEST', 400, "'other' is not on the roles whitelist");
    await expectMesosError(mesos.updateWeights({ weightInfos: [{ role: 'other', weight: 2 }] }), 'MESOS_BAD_REQUEST', 400, "Unknown role 'other'");
    await mesos.updateWeights({ weightInfos: [{ role: 'dev', weight: 2 }] });
    expect((await mesos.getRoles()).roles.find((r) => r.name === 'dev')?.weight).toBe(2);
  });
});

describe('SET_LOGGING_LEVEL with a long duration (time scale 1)', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  beforeAll(async () => {
    sim = await startSim({ agents: 1, tasksPerAgent: 0, timeScale: 1 });
    mesos = clientFor(sim);
  });
  afterAll(async () => {
    await mesos.close();
    await sim.stop();
  });

  it('a 1-day duration holds the level', async () => {
    await mesos.setLoggingLevel({ level: 1, durationNanoseconds: 86_400n * SECOND });
    expect((await mesos.getLoggingLevel()).level).toBe(1);
  });

  // Spec §9 SET_LOGGING_LEVEL: the level reverts to the startup level after `duration`; a duration longer than
  // setTimeout's 2^31-1 ms limit once reverted at once in the simulator (fixed by chaining timers in SimClock).
  it('a 30-day duration holds the level (no timer overflow)', async () => {
    await mesos.setLoggingLevel({ level: 2, durationNanoseconds: 30n * 86_400n * SECOND });
    // A bounded wait on a condition that must NOT happen: the level still holds after 200 ms of polling.
    const deadline = Date.now() + 200;
    while (Date.now() < deadline) {
      expect((await mesos.getLoggingLevel()).level).toBe(2);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});

describe('GET_OPERATIONS while an operator operation is pending (time scale 1)', () => {
  let sim: SimCluster;
  let mesos: MasterClient;
  beforeAll(async () => {
    sim = await startSim({ agents: 1, tasksPerAgent: 0, timeScale: 1 });
    mesos = clientFor(sim);
  });
  afterAll(async () => {
    await mesos.close();
    await sim.stop();
  });

  it('lists the RESERVE as OPERATION_PENDING on the agent, then forgets it', async () => {
    const a = (await mesos.getAgents()).agents[0] as Agent;
    await mesos.reserveResources({ agentId: idOf(a), resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 512 }, reservations: [dynamic('ops')] }] });
    const { operations } = await mesos.getOperations();
    expect(operations).toHaveLength(1);
    expect(operations[0]?.info.type).toBe('RESERVE');
    expect(operations[0]?.agent_id?.value).toBe(idOf(a));
    expect(operations[0]?.latest_status?.state).toBe('OPERATION_PENDING');
    // Operator operations have no framework and no OperationID (spec §6).
    expect(operations[0]?.framework_id).toBeUndefined();
    expect(operations[0]?.info.id).toBeUndefined();
    await until(async () => (await mesos.getOperations()).operations.length === 0, 'the operation to be removed');
  });
});

describe('leader following (masters: 3)', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startSim({ masters: 3, agents: 2, tasksPerAgent: 1 });
  });
  afterAll(() => sim.stop());

  it('a client configured with only a non-leader follows the 307 for reads and writes', async () => {
    const nonLeader = sim.masters.find((m) => m !== sim.leader) as string;
    const mesos = new MasterClient({ masters: [nonLeader] });
    try {
      await expect(mesos.getHealth()).resolves.toEqual({ healthy: true });
      expect(mesos.leader).toBe(sim.leader);
      const m = await mesos.getMaster();
      expect(m.master_info.port).toBe(Number(new URL(sim.leader).port));
      const id = idOf((await mesos.getAgents()).agents[0] as Agent);
      await mesos.deactivateAgent({ agentId: id });
      expect((await mesos.getAgents()).agents.find((a) => idOf(a) === id)?.deactivated).toBe(true);
      await mesos.reactivateAgent({ agentId: id });
    } finally {
      await mesos.close();
    }
  });

  it('follows the leader across sim.failover(); the registry (deactivation, weights) survives', async () => {
    const mesos = new MasterClient({ masters: sim.masters });
    try {
      const id = idOf((await mesos.getAgents()).agents[0] as Agent);
      await mesos.deactivateAgent({ agentId: id });
      await mesos.updateWeights({ weightInfos: [{ role: 'ha', weight: 3 }] });
      const oldLeader = sim.leader;
      const newLeader = await sim.failover();
      expect(newLeader).not.toBe(oldLeader);
      // The client remembers the old leader; that master now answers 307 to the new one.
      const w = await until(async () => {
        try {
          return await mesos.getWeights();
        } catch (e) {
          // While the new leader recovers it answers 503 'Master has not finished recovery'.
          if ((e as { code?: string }).code === 'MESOS_NOT_LEADER') return undefined;
          throw e;
        }
      }, 'GET_WEIGHTS to succeed on the new leader');
      expect(w.weight_infos).toContainEqual({ role: 'ha', weight: 3 });
      expect(mesos.leader).toBe(newLeader);
      const got = await until(async () => {
        const r = await mesos.getAgents();
        return r.recovered_agents.length === 0 && r.agents.length === 2 ? r : undefined;
      }, 'agents to re-register with the new leader');
      const a = got.agents.find((x) => idOf(x) === id);
      expect([a?.deactivated, a?.active]).toEqual([true, false]);
      await mesos.reactivateAgent({ agentId: id });
      expect((await mesos.getAgents()).agents.find((x) => idOf(x) === id)?.active).toBe(true);
    } finally {
      await mesos.close();
    }
  });
});

describe('during an election and a recovery (masters: 2)', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startSim({ masters: 2, agents: 1, tasksPerAgent: 0 });
  });
  afterAll(() => sim.stop());

  it('503 No leader elected / Master has not finished recovery are MESOS_NOT_LEADER (retryable); writes are not applied', async () => {
    const mesos = new MasterClient({ masters: sim.masters });
    try {
      const id = idOf((await mesos.getAgents()).agents[0] as Agent);
      // 100 simulated seconds of election: 1 s at time scale 100; then 50 s (0.5 s) of registry recovery.
      const failover = sim.failover({ electionSeconds: 100, recoverySeconds: 50 });
      const read = await mesos.getAgents().catch((e: unknown) => e);
      expect(read).toMatchObject({ code: 'MESOS_NOT_LEADER', status: 503, retryable: true, mesosMessage: 'No leader elected' });
      const write = await mesos.deactivateAgent({ agentId: id }).catch((e: unknown) => e);
      expect(write).toMatchObject({ code: 'MESOS_NOT_LEADER', status: 503, retryable: true });
      const recovering = await until(async () => {
        const e = await mesos.getHealth().catch((x: unknown) => x);
        return (e as { mesosMessage?: string }).mesosMessage === 'Master has not finished recovery' ? e : undefined;
      }, 'the new leader to answer while recovering');
      expect(recovering).toMatchObject({ code: 'MESOS_NOT_LEADER', status: 503, retryable: true });
      const leader = await failover;
      await until(async () => (await mesos.getHealth().catch(() => undefined))?.healthy === true, 'the new leader to serve');
      expect(mesos.leader).toBe(leader);
      expect(sim.audit().filter((e) => e.call === 'DEACTIVATE_AGENT' && e.outcome !== 'rejected')).toEqual([]);
      const a = await until(async () => (await mesos.getAgents()).agents[0], 'the agent to re-register');
      expect(a.deactivated).toBe(false);
    } finally {
      await mesos.close();
    }
  });
});

describe('HTTP Basic auth (credentials on the simulator and the client)', () => {
  let sim: SimCluster;
  const credentials = { kind: 'basic' as const, principal: 'ops', secret: 's3cret' };
  beforeAll(async () => {
    sim = await startSim({ masters: 2, agents: 1, tasksPerAgent: 1, credentials: [{ principal: 'ops', secret: 's3cret' }] });
  });
  afterAll(() => sim.stop());

  it('calls with the right credentials succeed on master and agent, through the redirect', async () => {
    const nonLeader = sim.masters.find((m) => m !== sim.leader) as string;
    const mesos = new MasterClient({ masters: [nonLeader, sim.leader], credentials });
    try {
      const { agents } = await mesos.getAgents();
      expect(agents).toHaveLength(1);
      const a = agents[0] as Agent;
      await mesos.reserveResources({ agentId: idOf(a), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [dynamic('ops', 'ops')] }] });
      expect(scalarOf((await mesos.getAgents()).agents[0]?.total_resources ?? [], 'cpus', 'ops')).toBe(1);
      // The reservation principal must be the authenticated one.
      await expectMesosError(
        mesos.reserveResources({ agentId: idOf(a), resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [dynamic('ops', 'mallory')] }] }),
        'MESOS_BAD_REQUEST',
        400,
        "principal 'ops'",
      );
      const agent = mesos.agent(a);
      try {
        await expect(agent.getHealth()).resolves.toEqual({ healthy: true });
        expect((await agent.getAgent()).agent_info.id?.value).toBe(idOf(a));
      } finally {
        await agent.close();
      }
    } finally {
      await mesos.close();
    }
  });

  it('credentials follow a redirect only to a configured master or an allowed host (docs/client.md)', async () => {
    const nonLeader = sim.masters.find((m) => m !== sim.leader) as string;
    const onlyNonLeader = new MasterClient({ masters: [nonLeader], credentials });
    const allowed = new MasterClient({ masters: [nonLeader], credentials, allowedRedirectHosts: [new URL(sim.leader).host] });
    try {
      // The leader (not configured) gets the re-POST without Authorization, and answers 401.
      await expectMesosError(onlyNonLeader.getHealth(), 'MESOS_UNAUTHORIZED', 401);
      await expect(allowed.getHealth()).resolves.toEqual({ healthy: true });
      expect(allowed.leader).toBe(sim.leader);
    } finally {
      await onlyNonLeader.close();
      await allowed.close();
    }
  });

  it('SUBSCRIBE with credentials yields SUBSCRIBED; without them the iteration ends with MESOS_UNAUTHORIZED', async () => {
    const ok = new MasterClient({ masters: [sim.leader], credentials });
    const none = new MasterClient({ masters: [sim.leader] });
    try {
      const stream = ok.subscribe();
      const first = await stream[Symbol.asyncIterator]().next();
      stream.close();
      expect((first.value as MasterEvent).type).toBe('SUBSCRIBED');
      const denied = none.subscribe();
      const e = await denied[Symbol.asyncIterator]()
        .next()
        .catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'MESOS_UNAUTHORIZED', status: 401 });
    } finally {
      await ok.close();
      await none.close();
    }
  });

  it('an authorizer denial is MESOS_FORBIDDEN (403, not retryable) on master and agent, and changes nothing', async () => {
    const mesos = new MasterClient({ masters: [sim.leader], credentials });
    const { agents } = await mesos.getAgents();
    const agent = mesos.agent(agents[0] as Agent);
    try {
      sim.runtime.authz.set([{ principal: 'ops', calls: ['UPDATE_WEIGHTS', 'PRUNE_IMAGES'] }]);
      const e = await mesos.updateWeights({ weightInfos: [{ role: 'denied', weight: 2 }] }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'MESOS_FORBIDDEN', status: 403, retryable: false });
      expect((await mesos.getWeights()).weight_infos.map((w) => w.role)).not.toContain('denied');
      await expectMesosError(agent.pruneImages(), 'MESOS_FORBIDDEN', 403);
    } finally {
      sim.runtime.authz.set([]);
      await agent.close();
      await mesos.close();
    }
  });

  it('no or wrong credentials: MESOS_UNAUTHORIZED (401) from master and agent, secret never echoed', async () => {
    const none = new MasterClient({ masters: [sim.leader] });
    const wrong = new MasterClient({ masters: [sim.leader], credentials: { ...credentials, secret: 'nope-secret' } });
    try {
      await expectMesosError(none.getAgents(), 'MESOS_UNAUTHORIZED', 401);
      const e = await wrong.getHealth().catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'MESOS_UNAUTHORIZED', status: 401 });
      expect(JSON.stringify(e) + String(e)).not.toContain('nope-secret');
      // A non-leader with auth answers 401 before it would redirect (spec §1.1).
      const nonLeader = new MasterClient({ masters: [sim.masters.find((m) => m !== sim.leader) as string] });
      await expectMesosError(nonLeader.getHealth(), 'MESOS_UNAUTHORIZED', 401);
      await nonLeader.close();
      const ok = new MasterClient({ masters: [sim.leader], credentials });
      const entry = (await ok.getAgents()).agents[0] as Agent;
      await ok.close();
      const agentNoCreds = none.agent(entry);
      await expectMesosError(agentNoCreds.getHealth(), 'MESOS_UNAUTHORIZED', 401);
      await agentNoCreds.close();
    } finally {
      await none.close();
      await wrong.close();
    }
  });
});
