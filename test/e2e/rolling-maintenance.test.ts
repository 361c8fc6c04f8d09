import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Progress, RunPlan } from '../../src/contracts';
import type { AuditEntry } from '../../src/sim';
import { eventually, progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';
import { uniqueName } from '../helpers/temporal';

interface RollResult {
  batches: number;
  done: number;
  failed: number;
  skipped: number;
  quarantined: number;
  machines: { hostname: string; ip: string; agentId: string; newAgentId?: string; outcome: string; reason?: string }[];
}
interface Details {
  batches: { index: number; status: string; groups?: string[]; machines: { hostname: string; agentId: string; status?: string }[]; gates?: { name: string; open: boolean; reason?: string }[] }[];
  summary: { running: string[]; failed: string[]; waitingForHuman: { hostname: string; kind: string; what: string }[] };
}

// rollingMaintenance end to end: the real dev server, the worker, child runs per machine, the simulator.
describe('rollingMaintenance', () => {
  let env: RunbookEnv;
  beforeAll(async () => {
    env = await runbookEnv({ agents: 12, tasksPerAgent: 1, frameworks: 1, timeScale: 20 });
  });
  afterAll(() => env?.stop());
  afterEach(() => env.sim.setFrameworkAcknowledges([...env.sim.model.frameworks.values()][0]!.id, true));

  const agents = () => [...env.sim.model.agents.values()].filter((a) => a.status === 'registered').sort((a, b) => a.seq - b.seq);
  const zoneOf = (agentId: string) => env.sim.model.agents.get(agentId)?.attributes.find((a) => a.name === 'zone')?.text;
  const start = async (input: Record<string, unknown>) => {
    const run = await env.runbooks.start('rollingMaintenance', { cluster: env.cluster, ...input }, { idSuffix: uniqueName('roll') });
    return env.client.workflow.getHandle(run.workflowId) as WorkflowHandle;
  };
  const applied = (since: number, calls: string[]) => env.sim.audit().slice(since).filter((e) => calls.includes(e.call) && e.outcome !== 'rejected');

  /** The most machines out at once, from the audit timeline: out from DRAIN_AGENT to its REACTIVATE_AGENT. */
  function mostOut(entries: AuditEntry[]): number {
    let out = 0;
    let most = 0;
    for (const e of entries) {
      if (e.call === 'DRAIN_AGENT') most = Math.max(most, ++out);
      if (e.call === 'REACTIVATE_AGENT') out -= 1;
    }
    return most;
  }

  it('plan mode: every batch with its machines (groups together) and its gates now; changes nothing', async () => {
    const before = env.sim.audit().length;
    const plan = (await env.runbooks.plan('rollingMaintenance', {
      cluster: env.cluster,
      agents: { all: true },
      groupBy: 'zone',
      batchSize: 2,
      canary: { agents: 1 },
      gates: { minActiveShare: 0.5, maxOtherDraining: 0 },
      reason: 'plan a roll',
      perAgent: { runbook: 'drainAgent', reactivate: true },
    })) as unknown as RunPlan & { details: Details };
    expect(env.sim.audit().length).toBe(before);
    expect(plan.ready).toBe(true);
    expect(plan.steps.map((s) => s.name)).toEqual(['preflight', 'lease', 'approval', 'plan batches', 'roll']);
    const batches = plan.details.batches;
    expect(batches[0]!.machines).toHaveLength(1); // the canary
    expect(batches.reduce((n, b) => n + b.machines.length, 0)).toBe(12);
    for (const b of batches.slice(1)) {
      expect(b.machines.length).toBeLessThanOrEqual(2);
      expect(new Set(b.machines.map((m) => zoneOf(m.agentId))).size).toBe(1); // a group's machines stay together
      expect(b.gates?.map((g) => `${g.name}:${g.open}`)).toEqual(['minActiveShare:true', 'maxOtherDraining:true']);
    }
  });

  it('12 machines over 3 zones grouped by zone, batch 2: never more than 2 out at once, each drained once, the soak honoured', async () => {
    const mark = env.sim.audit().length;
    const handle = await start({ agents: { all: true }, groupBy: 'zone', batchSize: 2, soakSeconds: 2, reason: 'kernel upgrade', perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 0, reactivate: true } });
    const result = (await handle.result()) as RollResult;
    expect(result).toMatchObject({ batches: 6, done: 12, failed: 0 });
    const calls = applied(mark, ['DRAIN_AGENT', 'REACTIVATE_AGENT']);
    expect(mostOut(calls)).toBe(2);
    for (const a of agents()) expect(calls.filter((e) => e.call === 'DRAIN_AGENT' && e.target === a.id)).toHaveLength(1);
    // Zone by zone, and 2 s (the soak) between a batch's last REACTIVATE and the next batch's first DRAIN.
    const drains = calls.filter((e) => e.call === 'DRAIN_AGENT');
    const zones = drains.map((e) => zoneOf(e.target!));
    expect(zones).toEqual([...zones].sort());
    for (let i = 2; i < drains.length; i += 2) {
      const lastReactivate = calls.filter((e) => e.call === 'REACTIVATE_AGENT' && e.seq < drains[i]!.seq).at(-1)!;
      expect(Date.parse(drains[i]!.at) - Date.parse(lastReactivate.at)).toBeGreaterThanOrEqual(1_900);
    }
    const progress = await handle.query<Progress>('progress');
    expect((progress.details as unknown as Details).batches.every((b) => b.status === 'done')).toBe(true);
  }, 180_000);

  it('a closed gate holds the batch, with its reason, until the cluster allows it', async () => {
    const [other, ...rest] = agents();
    await env.mesos.deactivateAgent({ agentId: other!.id });
    const mark = env.sim.audit().length;
    const handle = await start({ agents: { agentIds: rest.slice(0, 2).map((a) => a.id) }, batchSize: 2, gates: { maxOtherDraining: 0 }, reason: 'gated', perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 0, reactivate: true } });
    const waiting = await progressUntil(handle, (p) => p.wait?.what.startsWith('the gates of batch 1') === true);
    expect(waiting.wait?.kind).toBe('mesos');
    expect(applied(mark, ['DRAIN_AGENT'])).toHaveLength(0);
    await env.mesos.reactivateAgent({ agentId: other!.id });
    await expect(handle.result()).resolves.toMatchObject({ done: 2 });
  }, 120_000);

  it('the failure budget: a failed machine stops new batches; the operator raises the budget and the roll goes on', async () => {
    const [failing, ...others] = agents();
    // DRAIN_AGENT is refused for a machine in the maintenance schedule (spec §4): its run fails.
    await env.mesos.updateMaintenanceSchedule({ windows: [{ machine_ids: [{ hostname: failing!.hostname, ip: failing!.ip }], unavailability: { start: { nanoseconds: BigInt(Date.now() + 3_600_000) * 1_000_000n } } }] });
    try {
      const handle = await start({ agents: { agentIds: [failing!.id, others[0]!.id, others[1]!.id] }, batchSize: 1, reason: 'budget', perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 0, reactivate: true } });
      const stopped = await progressUntil(handle, (p) => p.phase === 'awaiting approval', 60_000);
      expect(stopped.log.join('\n')).toMatch(new RegExp(`failure budget spent: 1 failed \\(budget 0\\): ${failing!.hostname.replace(/\./g, '\\.')} \\(MESOS_BAD_REQUEST`));
      expect((stopped.details as unknown as Details).summary.failed).toEqual([failing!.hostname]);
      // The runbook's own control messages go through the same client as the common ones (the CLI's `control ... budget -i`).
      await expect(env.runbooks.sendOwn(handle.workflowId, 'budget', { failureBudget: -1, reason: 'x' })).rejects.toThrow(/budget refused by .*failureBudget: a whole number of machines, 0 or more/);
      await expect(env.runbooks.sendOwn(handle.workflowId, 'frob', {})).rejects.toThrow(/frob: not a control message of rollingMaintenance \(its own: machine, budget, addMachine; common: approve/);
      expect(await env.runbooks.sendOwn(handle.workflowId, 'budget', { failureBudget: 1, reason: 'that machine is known bad' })).toMatchObject({ message: 'failure budget 1 (1 failed so far)' });
      const result = (await handle.result()) as RollResult;
      expect(result).toMatchObject({ done: 2, failed: 1 });
      expect(result.machines.find((m) => m.hostname === failing!.hostname)).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/MESOS_BAD_REQUEST/) });
    } finally {
      await env.mesos.updateMaintenanceSchedule({ windows: [] });
    }
  }, 120_000);

  it('notAfter pauses the roll between batches; resume with a new window goes on', async () => {
    const [a, b] = agents();
    const handle = await start({
      agents: { agentIds: [a!.id, b!.id] },
      batchSize: 1,
      soakSeconds: 3,
      window: { notAfter: new Date(Date.now() + 2_000).toISOString(), timeZone: 'Europe/Berlin' },
      reason: 'window',
      perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 0, reactivate: true },
    });
    const paused = await progressUntil(handle, (p) => p.phase === 'paused at window end', 60_000);
    expect(paused.paused?.reason).toMatch(/the window ended at \d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin; 1 batch\(es\) left/);
    expect(paused.operatorActions).toContain('resume');
    await handle.executeUpdate('resume', { args: [{ by: 'scheduler', window: { notAfter: new Date(Date.now() + 3_600_000).toISOString() } }] });
    await expect(handle.result()).resolves.toMatchObject({ done: 2 });
  }, 120_000);

  it('a machine stuck draining is answered from the roll: quarantine leaves it deactivated and lists it', async () => {
    const stuck = agents().find((a) => a.taskIds.size > 0); // a task to kill, whose update nobody acknowledges
    const framework = [...env.sim.model.frameworks.values()][0]!;
    env.sim.setFrameworkAcknowledges(framework.id, false);
    const handle = await start({ agents: { agentIds: [stuck!.id] }, batchSize: 1, reason: 'stuck', perAgent: { runbook: 'drainAgent', maxGracePeriodSeconds: 0, drainTimeoutSeconds: 1, reactivate: true } });
    const waiting = await progressUntil(handle, (p) => ((p.details as unknown as Details | undefined)?.summary.waitingForHuman.length ?? 0) > 0, 60_000);
    expect((waiting.details as unknown as Details).summary.waitingForHuman[0]).toMatchObject({ hostname: stuck!.hostname, kind: 'stuck' });
    expect(await handle.executeUpdate('machine', { args: [{ hostname: stuck!.hostname, action: 'quarantine', reason: 'bad disk', by: 'bob' }] })).toMatchObject({ message: expect.stringMatching(/^quarantine sent to /) });
    const result = (await handle.result()) as RollResult;
    expect(result.machines).toEqual([expect.objectContaining({ hostname: stuck!.hostname, outcome: 'quarantined' })]);
    await eventually('the child to end', async () => (await env.client.workflow.getHandle(`${handle.workflowId}/${stuck!.hostname}`).describe()).status.name !== 'RUNNING');
    expect(env.sim.model.agents.get(stuck!.id)!.deactivated).toBe(true); // left as it was
    env.sim.setFrameworkAcknowledges(framework.id, true);
    await eventually('DRAINED', () => env.sim.model.agents.get(stuck!.id)!.drain?.state === 'DRAINED');
    await env.mesos.reactivateAgent({ agentId: stuck!.id });
  }, 120_000);

  it('announce: the schedule holds the windows of the batches to come while the roll runs, and none of them after', async () => {
    const machines = agents().slice(0, 6);
    const schedule = async () => (await env.mesos.getMaintenanceSchedule()).schedule.windows.flatMap((w) => w.machine_ids.map((m) => m.hostname ?? ''));
    const handle = await start({
      agents: { agentIds: machines.map((m) => m.id) },
      batchSize: 2,
      soakSeconds: 2,
      announce: true,
      reason: 'announced',
      perAgent: { runbook: 'agentMaintenance', maxGracePeriodSeconds: 0, workDurationSeconds: 0, windowMinutes: 10 },
    });
    // While the first batch runs, the other four machines are announced (frameworks see them ahead).
    await progressUntil(handle, (p) => ((p.details as unknown as Details | undefined)?.summary.running.length ?? 0) > 0);
    const first = (await handle.query<Progress>('progress')).details as unknown as Details;
    const later = first.batches.slice(1).flatMap((b) => b.machines.map((m) => m.hostname));
    await eventually('the upcoming batches announced', async () => (await schedule()).filter((h) => later.includes(h)).length === 4);
    const result = (await handle.result()) as RollResult;
    expect(result).toMatchObject({ done: 6, failed: 0 });
    for (const m of result.machines) expect(m.newAgentId).toBeDefined(); // back under a new id after START_MAINTENANCE
    expect((await schedule()).filter((h) => machines.some((m) => m.hostname === h))).toEqual([]);
  }, 180_000);

  it('refuses a bad input before it starts, naming each field', async () => {
    const error = await env.runbooks
      .start('rollingMaintenance', { cluster: env.cluster, agents: {}, batchSize: '0x', reason: 'bad', announce: true, perAgent: { runbook: 'drainAgent', agentId: 'x', work: {} } })
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/agents: required: select agents with all/);
    expect((error as Error).message).toMatch(/batchSize: must be a count, or a share such as "10%"/);
    expect((error as Error).message).toMatch(/perAgent\.agentId: set by the roll for each machine/);
    expect((error as Error).message).toMatch(/perAgent\.work: only for agentMaintenance/);
    expect((error as Error).message).toMatch(/announce: announcing maintenance windows needs perAgent\.runbook "agentMaintenance"/);
    expect(error).not.toBeInstanceOf(WorkflowFailedError);
  });
});
