import { WorkflowFailedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createMaintenanceScheduleActivities } from '../../../activities/maintenance-schedule';
import { ClusterRegistry } from '../../../src/clusters';
import { parseConfig } from '../../../src/config';
import type { MachineRef } from '../../../src/maintenance/schedule-change';
import { startCluster, type SimCluster } from '../../../src/sim';
import { changeScheduleUpdate, maintenanceScheduleOwnerId, recentChangesQuery } from '../../../src/contracts';
import type { ScheduleChangeResult } from '../../../src/maintenance/schedule-change';
import type { RecentChange } from '../../../workflows/maintenance-schedule-owner';
import { testClient, testWorkerConnection, uniqueName } from '../../helpers/temporal';
import { neverCalledMaster, type StubServer } from '../../helpers/mesos-stub-server';

// The schedule owner on the real dev server, writing a simulated cluster's schedule over real HTTP.
describe('the maintenance schedule owner', () => {
  const taskQueue = uniqueName('schedule-owner');
  const clusterName = uniqueName('sched').toLowerCase();
  const silentName = uniqueName('silent').toLowerCase();
  let sim: SimCluster;
  let silent: StubServer;
  let client: Client;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let clusters: ClusterRegistry;
  let machines: MachineRef[];

  const T1 = '1767225600000000001';
  const T2 = '1767312000000000003';
  const HOUR = '3600000000000';

  beforeAll(async () => {
    sim = await startCluster({ agents: 6, tasksPerAgent: 1, timeScale: 20, seed: 11 });
    silent = await neverCalledMaster();
    const config = parseConfig({ clusters: { [clusterName]: { masters: sim.masters }, [silentName]: { masters: [silent.url] } } });
    clusters = ClusterRegistry.fromConfig(config);
    client = await testClient();
    connection = await testWorkerConnection();
    worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('../../helpers/entity-workflows'),
      activities: createMaintenanceScheduleActivities({ clusters, temporal: { client, taskQueue } }),
    });
    running = worker.run();
    machines = [...sim.model.agents.values()].map((a) => ({ hostname: a.hostname, ip: a.ip }));
  });

  afterAll(async () => {
    for (const id of [maintenanceScheduleOwnerId(clusterName), maintenanceScheduleOwnerId(silentName)]) {
      await client?.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    }
    worker?.shutdown();
    await running;
    await clusters?.close();
    await connection?.close();
    await client?.connection.close();
    await sim?.stop();
    await silent?.close();
  });

  // Each test starts from an empty schedule, whatever the last one left behind.
  afterEach(async () => {
    const { status } = await master().getMaintenanceStatus();
    if (status.down_machines.length > 0) await master().stopMaintenance({ machines: status.down_machines });
    await master().updateMaintenanceSchedule({ windows: [] });
  });

  const master = () => clusters.master(clusterName);
  const updates = () => sim.audit().filter((e) => e.call === 'UPDATE_MAINTENANCE_SCHEDULE');
  /** The schedule as GET_MAINTENANCE_SCHEDULE shows it: `start/duration: host|ip ...` per window. */
  const readSchedule = async () =>
    (await master().getMaintenanceSchedule()).schedule.windows.map(
      (w) => `${w.unavailability.start.nanoseconds}/${w.unavailability.duration?.nanoseconds ?? '-'}: ${w.machine_ids.map((m) => `${m.hostname ?? ''}|${m.ip ?? ''}`).join(' ')}`,
    );
  const key = (m: MachineRef) => `${m.hostname}|${m.ip}`;
  const change = (id: string, changes: unknown[]) =>
    client.workflow.execute('scheduleChanger', { taskQueue, workflowId: uniqueName(id), args: [{ cluster: clusterName, changes }] }) as Promise<ScheduleChangeResult[]>;

  it('serialises concurrent changes: both windows land, then both go, and a manual entry survives throughout', async () => {
    const [m0, m1] = machines;
    await master().updateMaintenanceSchedule({
      windows: [
        { machine_ids: [{ hostname: 'manual-host.example' }, { ip: '10.99.0.1' }], unavailability: { start: { nanoseconds: T2 } } },
        { machine_ids: [{ hostname: 'Manual-Full.example', ip: '10.99.0.2' }], unavailability: { start: { nanoseconds: T1 }, duration: { nanoseconds: HOUR } } },
      ],
    });
    const manual = [`${T2}/-: manual-host.example| |10.99.0.1`, `${T1}/${HOUR}: Manual-Full.example|10.99.0.2`];
    const before = updates().length;

    const [added0, added1] = await Promise.all([
      change('add-0', [{ add: { machines: [m0], window: { startNs: T1 } } }]),
      change('add-1', [{ add: { machines: [m1], window: { startNs: T2, durationNs: HOUR } } }]),
    ]);
    expect([added0[0].applied, added1[0].applied]).toEqual([true, true]);
    // Both windows present, whichever change went first; the manual entries untouched, in place.
    const schedule = await readSchedule();
    expect(schedule.slice(0, 2)).toEqual(manual);
    expect(schedule.slice(2).sort()).toEqual([`${T1}/-: ${key(m0)}`, `${T2}/${HOUR}: ${key(m1)}`].sort());
    expect(sim.model.maintenance.machines.get(`${m0.hostname}|${m0.ip}`)?.mode).toBe('DRAINING');

    const [removed0, removed1] = await Promise.all([
      change('remove-0', [{ remove: { machines: [m0] } }]),
      change('remove-1', [{ remove: { machines: [{ hostname: m1.hostname.toUpperCase(), ip: m1.ip }] } }]),
    ]);
    expect([removed0[0].applied, removed1[0].applied]).toEqual([true, true]);
    expect(await readSchedule()).toEqual(manual);
    // Four writes, none refused by Mesos (a clobbered read-modify-write would have lost a window instead).
    expect(updates().slice(before).map((e) => e.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
  });

  it('never drops a DOWN machine: its removal is refused and reported, the others are removed', async () => {
    const [, , m2, m3] = machines;
    await change('add-down', [{ add: { machines: [m2, m3], window: { startNs: T1, durationNs: HOUR } } }]);
    await master().startMaintenance({ machines: [m2] });
    expect(sim.model.maintenance.machines.get(`${m2.hostname}|${m2.ip}`)?.mode).toBe('DOWN');
    const before = updates().length;

    const [removed] = await change('remove-down', [{ remove: { machines: [m2, m3] } }]);
    expect(removed.downKept).toEqual([m2]);
    expect(removed.applied).toBe(true);
    expect(removed.note).toMatch(/kept .*: it is DOWN/);
    expect(await readSchedule()).toEqual([`${T1}/${HOUR}: ${key(m2)}`]);
    expect(updates().slice(before).map((e) => e.outcome)).toEqual(['applied']);

    // Removing only the DOWN machine writes nothing at all.
    const [again] = await change('remove-down-again', [{ remove: { machines: [m2] } }]);
    expect(again).toMatchObject({ applied: false, downKept: [m2] });
    expect(updates().length).toBe(before + 1);

    await master().stopMaintenance({ machines: [m2] });
    expect(await readSchedule()).toEqual([]);
  });

  it('applies a repeated requestId once and answers the repeat from memory', async () => {
    const [, , , , m4] = machines;
    const requestId = uniqueName('req');
    const before = updates().length;
    const first = await change('dedupe-a', [
      { requestId, add: { machines: [m4], window: { startNs: T2 } } },
      { requestId, add: { machines: [m4], window: { startNs: T2 } } },
    ]);
    const [other] = await change('dedupe-b', [{ requestId, add: { machines: [m4], window: { startNs: T2 } } }]);
    expect(first[0].applied).toBe(true);
    expect(first[1]).toEqual(first[0]);
    expect(other).toEqual(first[0]);
    expect(updates().length).toBe(before + 1);
    const remembered = await client.workflow.getHandle(maintenanceScheduleOwnerId(clusterName)).query(recentChangesQuery);
    expect(remembered.filter((r) => r.requestId === requestId)).toEqual([expect.objectContaining({ requestId, applied: true })]);

    await change('dedupe-cleanup', [{ remove: { machines: [m4] } }]);
    expect(await readSchedule()).toEqual([]);
  });

  it('refuses a malformed change in the validator, naming the field, without a Mesos call', async () => {
    const before = sim.audit().length;
    const error = await client.workflow
      .getHandle(maintenanceScheduleOwnerId(clusterName))
      .executeUpdate(changeScheduleUpdate, { args: [{ requestId: 'bad', add: { machines: [{ hostname: 'h', ip: '' }], window: { startNs: '1.5e18' } } }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('INVALID_INPUT');
    expect(cause.message).toContain('add.machines.0.ip: must be an IPv4 address');
    expect(cause.message).toContain('add.window.startNs: must be');

    // The same through the activity a runbook calls: a non-retryable INVALID_INPUT failure of the run.
    const failure = await change('bad', [{ remove: { machines: [] } }]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const activityCause = (failure as WorkflowFailedError).cause?.cause as ApplicationFailure;
    expect(activityCause.type).toBe('INVALID_INPUT');
    expect(activityCause.message).toContain('remove.machines: give at least one machine');
    expect(sim.audit().length).toBe(before);
  });

  it('carries its dedupe memory into a new run (continue-as-new input): a remembered request makes no Mesos call', async () => {
    const remembered: RecentChange = { requestId: 'carried/step', applied: true, note: 'added earlier', downKept: [], at: '2026-01-01T00:00:00.000Z' };
    await client.workflow.start('maintenanceScheduleOwner', {
      taskQueue,
      workflowId: maintenanceScheduleOwnerId(silentName),
      args: [{ cluster: silentName, recent: [remembered] }],
    });
    const results = (await client.workflow.execute('scheduleChanger', {
      taskQueue,
      workflowId: uniqueName('carried'),
      args: [{ cluster: silentName, changes: [{ requestId: 'carried/step', add: { machines: [machines[5]], window: { startNs: T1 } } }] }],
    })) as ScheduleChangeResult[];
    expect(results).toEqual([{ requestId: 'carried/step', applied: true, note: 'added earlier', downKept: [] }]);
    expect(silent.requests).toHaveLength(0);
  });
});
