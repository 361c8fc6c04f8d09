/** Spec §5 and §10: maintenance schedule, machine modes, and the agent that returns as a new agent. */
import { agentIdOf, callApi, getAgents, startTestCluster, waitFor, type SimCluster } from '../../helpers/sim';

type Machine = { hostname?: string; ip?: string };
const schedule = (windows: { machine_ids: Machine[]; unavailability?: unknown }[]) => ({
  type: 'UPDATE_MAINTENANCE_SCHEDULE',
  update_maintenance_schedule: { schedule: { windows: windows.map((w) => ({ unavailability: { start: { nanoseconds: '1700000000000000000' } }, ...w })) } },
});
const start = (machines: Machine[]) => ({ type: 'START_MAINTENANCE', start_maintenance: { machines } });
const stop = (machines: Machine[]) => ({ type: 'STOP_MAINTENANCE', stop_maintenance: { machines } });

describe('maintenance (spec §5)', () => {
  let sim: SimCluster;
  beforeEach(async () => {
    sim = await startTestCluster({ agents: 3, tasksPerAgent: 2, timeScale: 1000, agentReturnDelaySeconds: 10 });
  });
  afterEach(() => sim.stop());
  const machineOf = (i: number): Machine => {
    const a = [...sim.model.agents.values()][i]!;
    return { hostname: a.hostname, ip: a.ip };
  };

  it('validates the schedule with Mesos texts and leaves state unchanged on 400', async () => {
    const m = machineOf(0);
    const cases: [unknown, string][] = [
      [schedule([{ machine_ids: [] }]), 'List of machines in the maintenance window is empty'],
      [schedule([{ machine_ids: [m], unavailability: { start: { nanoseconds: 1 }, duration: { nanoseconds: -1 } } }]), "Unavailability 'duration' is negative"],
      [schedule([{ machine_ids: [{}] }]), "Both 'hostname' and 'ip' for a machine are empty"],
      [schedule([{ machine_ids: [{ hostname: 'h', ip: 'not-an-ip' }] }]), "Failed to parse IP address 'not-an-ip'"],
      [schedule([{ machine_ids: [m] }, { machine_ids: [{ hostname: m.hostname?.toUpperCase(), ip: m.ip }] }]), `Machine '{"hostname":"${m.hostname?.toUpperCase()}","ip":"${m.ip}"}' appears more than once in the schedule`],
    ];
    for (const [body, text] of cases) {
      const r = await callApi(sim.leader, body);
      expect([r.status, r.text]).toEqual([400, text]);
    }
    const missingStart = await callApi(sim.leader, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [m], unavailability: {} }] } } });
    expect(missingStart.status).toBe(400);
    expect(missingStart.text).toContain('Missing required fields: update_maintenance_schedule.schedule.windows[0].unavailability.start');
    const s = await callApi(sim.leader, { type: 'GET_MAINTENANCE_SCHEDULE' });
    expect(s.json).toEqual({ type: 'GET_MAINTENANCE_SCHEDULE', get_maintenance_schedule: { schedule: {} } });
  });

  it('runs the whole cycle: schedule → DRAINING, START → DOWN + agent removed, STOP → UP + new agent', async () => {
    const m = machineOf(0);
    const oldId = [...sim.model.agents.keys()][0] as string;
    const events: string[] = [];
    sim.model.events.listen((e) => events.push(e.type));
    const up = await callApi(sim.leader, schedule([{ machine_ids: [m, { hostname: 'elsewhere.example' }] }]));
    expect([up.status, up.text]).toEqual([200, '']);
    const status = await callApi(sim.leader, { type: 'GET_MAINTENANCE_STATUS' });
    expect(status.json).toEqual({ type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status: { draining_machines: [{ id: m }, { id: { hostname: 'elsewhere.example' } }] } } });
    const sched = (await callApi(sim.leader, { type: 'GET_MAINTENANCE_SCHEDULE' })).text;
    expect(sched).toContain('"start":{"nanoseconds":1700000000000000000}');

    const notDraining = await callApi(sim.leader, start([machineOf(1)]));
    expect([notDraining.status, notDraining.text]).toEqual([400, `Machine '${JSON.stringify(machineOf(1))}' is not part of a maintenance schedule`]);
    const notDown = await callApi(sim.leader, stop([m]));
    expect([notDown.status, notDown.text]).toEqual([400, `Machine '${JSON.stringify(m)}' is not in DOWN mode and cannot be brought up`]);
    expect((await callApi(sim.leader, start([]))).text).toBe('List of machines is empty');

    const down = await callApi(sim.leader, start([m]));
    expect([down.status, down.text]).toEqual([200, '']);
    expect((await getAgents(sim.leader)).map(agentIdOf)).not.toContain(oldId);
    expect(events).toContain('AGENT_REMOVED');
    expect(sim.model.completedTasks.filter((t) => t.agentId === oldId).map((t) => [t.state, t.statuses.at(-1)?.reason])).toEqual([
      ['TASK_LOST', 'REASON_AGENT_REMOVED'],
      ['TASK_LOST', 'REASON_AGENT_REMOVED'],
    ]);
    const again = await callApi(sim.leader, start([m]));
    expect([again.status, again.text]).toEqual([400, `Machine '${JSON.stringify(m)}' is not in DRAINING mode and cannot be brought down`]);
    const st = await callApi(sim.leader, { type: 'GET_MAINTENANCE_STATUS' });
    expect((st.json as { get_maintenance_status: { status: { down_machines: Machine[] } } }).get_maintenance_status.status.down_machines).toEqual([m]);
    const dropDown = await callApi(sim.leader, schedule([{ machine_ids: [{ hostname: 'elsewhere.example' }] }]));
    expect([dropDown.status, dropDown.text]).toEqual([400, `Machine '${JSON.stringify(m)}' is deactivated and cannot be removed from the schedule`]);

    const upAgain = await callApi(sim.leader, stop([m]));
    expect(upAgain.status).toBe(200);
    const after = await callApi(sim.leader, { type: 'GET_MAINTENANCE_SCHEDULE' });
    expect(after.text).not.toContain(m.hostname as string);
    expect(after.text).toContain('elsewhere.example');
    await waitFor(async () => (await getAgents(sim.leader)).some((a) => (a.agent_info as { hostname: string }).hostname === m.hostname), 'agent back');
    const back = (await getAgents(sim.leader)).find((a) => (a.agent_info as { hostname: string }).hostname === m.hostname)!;
    expect(agentIdOf(back)).not.toBe(oldId);
    expect([back.active, back.deactivated, back.drain_info]).toEqual([true, false, undefined]);
    const reactOld = await callApi(sim.leader, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: oldId } } });
    expect([reactOld.status, reactOld.text]).toEqual([400, 'Agent is not deactivated']);
    expect(events.filter((e) => e === 'AGENT_ADDED')).toHaveLength(1);
  });

  it('accepts hostname-only entries (they never match an agent) and an empty schedule cancels', async () => {
    const m = machineOf(1);
    expect((await callApi(sim.leader, schedule([{ machine_ids: [{ hostname: m.hostname }] }]))).status).toBe(200);
    const drain = await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: [...sim.model.agents.keys()][1] } } });
    expect(drain.status).toBe(200);
    expect((await callApi(sim.leader, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: {} } })).status).toBe(200);
    expect((await callApi(sim.leader, { type: 'GET_MAINTENANCE_STATUS' })).json).toEqual({ type: 'GET_MAINTENANCE_STATUS', get_maintenance_status: { status: {} } });
  });
});
