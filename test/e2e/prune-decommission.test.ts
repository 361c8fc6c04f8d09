import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { DecommissionAgentResult } from '../../runbooks/decommissionAgent';
import type { PruneImagesResult } from '../../runbooks/pruneImages';
import type { CompensationReport } from '../../workflows/kit/compensation';
import type { Progress } from '../../src/contracts';
import { RunbookInputError } from '../../src/temporal/control';
import { eventually, planThenRun, progressUntil, rejection, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';

// pruneImages (several agents) and decommissionAgent end to end: the real dev server, the worker and a simulated
// cluster whose agents carry rack and zone attributes (agent i on rack-((i mod 8) + 1)).
describe('pruneImages and decommissionAgent', () => {
  let env: RunbookEnv;
  type SimAgent = { id: string; hostname: string; ip: string; seq: number };
  let agents: SimAgent[];
  beforeAll(async () => {
    env = await runbookEnv({ agents: 16, tasksPerAgent: 1, frameworks: 1 });
    agents = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  });
  afterAll(() => env?.stop());

  const rack = (n: number) => agents.filter((_, i) => i % 8 === n - 1);
  const images = (agentId: string) => env.sim.runtime.agentNodes.get(agentId)!.images.images.map((i) => i.name).sort();
  const failureOf = async (promise: Promise<unknown>) => {
    const err = (await promise.catch((e: unknown) => e)) as WorkflowFailedError;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return err.cause as ApplicationFailure;
  };
  const audit = (call: string, target?: string) => env.sim.audit().filter((e) => e.call === call && (target === undefined || e.target === target)).map((e) => e.outcome);
  const ALL_IMAGES = ['alpine:3.19', 'busybox:latest', 'mysql:latest', 'nginx:1.25', 'node:20', 'python:3.11', 'redis:7'];

  describe('pruneImages', () => {
    it('prunes the selected agents (attributes), keeping the excluded images, and lists each agent\'s outcome', async () => {
      const [a, b] = rack(1);
      const result = (await (await env.start('pruneImages', { agents: { attributes: { rack: 'rack-1' } }, excludedImages: ['redis:7'], reason: 'disk pressure' })).result()) as PruneImagesResult;
      expect(result.agents).toEqual([
        { agentId: a!.id, hostname: a!.hostname, outcome: 'done', reason: `PRUNE_IMAGES accepted by ${a!.hostname} (kept redis:7)` },
        { agentId: b!.id, hostname: b!.hostname, outcome: 'done', reason: `PRUNE_IMAGES accepted by ${b!.hostname} (kept redis:7)` },
      ]);
      expect(result.summary).toBe('2 done, 0 skipped, 0 failed');
      expect(result.note).toMatch(/Mesos does not report what PRUNE_IMAGES removed .* the Docker containerizer ignores it/);
      // In use (nginx, python, node) and excluded (redis) stay; the rack's other agents are untouched.
      expect(images(a!.id)).toEqual(['nginx:1.25', 'node:20', 'python:3.11', 'redis:7']);
      expect(images(rack(2)[0]!.id)).toEqual(ALL_IMAGES);
      const handle = env.client.workflow.getHandle((await env.runbooks.findRuns({ runbook: 'pruneImages', cluster: env.cluster, open: false }))[0]!.workflowId);
      const attributes = Object.fromEntries((await handle.describe()).typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
      expect((attributes.AgentIds as string[]).sort()).toEqual([a!.id, b!.id].sort());
    });

    it('one agent down is retried, then reported failed; the others are pruned; draining agents are left out, listed as skipped', async () => {
      const [a, b] = rack(2);
      const [c, d] = rack(3);
      const timings = env.sim.model.timings;
      const unreachableAfterMs = timings.unreachableAfterMs;
      timings.unreachableAfterMs = 24 * 3600_000; // disconnected, but not marked unreachable while the run retries
      env.sim.stopAgent(b!.id);
      await env.mesos.drainAgent({ agentId: d!.id, maxGracePeriodSeconds: 0 });
      try {
        const handle = await env.start('pruneImages', { agents: { hostnames: [a!.hostname, b!.hostname, c!.hostname, d!.hostname] }, concurrency: 2, reason: 'one down' });
        const result = (await handle.result()) as PruneImagesResult;
        const by = Object.fromEntries(result.agents.map((o) => [o.hostname, o]));
        expect(by[a!.hostname]).toMatchObject({ outcome: 'done' });
        expect(by[c!.hostname]).toMatchObject({ outcome: 'done' });
        expect(by[b!.hostname]).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/CONNECTION|ECONNREFUSED|connect/) });
        expect(by[d!.hostname]).toEqual({ agentId: d!.id, hostname: d!.hostname, outcome: 'skipped', reason: expect.stringMatching(/^DRAIN(ING|ED): left out \(includeDraining is false\)$/) });
        expect(images(a!.id)).toEqual(['nginx:1.25', 'node:20', 'python:3.11']);
        expect(images(b!.id)).toEqual(ALL_IMAGES);
        const progress = await handle.query<Progress>('progress');
        expect(progress.steps.at(-1)).toMatchObject({ name: 'prune images', status: 'done', note: expect.stringMatching(/^2 done, 0 skipped, 1 failed \(/) });
        expect(result.summary).toMatch(new RegExp(`^2 done, 1 skipped, 1 failed \\(${b!.hostname}: PRUNE_IMAGES failed: CONNECTION`));
      } finally {
        timings.unreachableAfterMs = unreachableAfterMs;
        await env.sim.restartAgent(b!.id);
      }
    });

    it('a lost answer is retried (PRUNE_IMAGES is safe to repeat) and the agent is done', async () => {
      const [a] = rack(4);
      const pruned = () => env.sim.audit().filter((e) => e.call === 'PRUNE_IMAGES' && e.master.includes(a!.ip)).map((e) => e.outcome);
      env.sim.setFault({ rules: [{ calls: ['PRUNE_IMAGES'], api: 'agent', responseLostRate: 1 }] });
      let handle: WorkflowHandle;
      try {
        handle = await env.start('pruneImages', { agents: { agentIds: [a!.id] }, reason: 'lost' });
        await eventually('the first PRUNE_IMAGES applied with its answer lost', () => pruned().length > 0);
      } finally {
        env.sim.setFault({ rules: [] });
      }
      const result = (await handle.result()) as PruneImagesResult;
      expect(result.agents).toEqual([expect.objectContaining({ agentId: a!.id, outcome: 'done' })]);
      expect(pruned()).toEqual(['applied-response-lost', 'applied']);
      expect(images(a!.id)).toEqual(['nginx:1.25', 'node:20', 'python:3.11']);
    });

    it('refuses a selection that names no agent before the run starts, naming it', async () => {
      const before = env.sim.audit().length;
      const start = (agents: unknown) => env.runbooks.start('pruneImages', { cluster: env.cluster, agents, reason: 'x' }).catch((e: unknown) => e) as Promise<RunbookInputError>;
      expect((await start({ hostnames: ['nope.sim.local'] })).problems).toEqual([`agents.hostnames: no registered agent has hostname 'nope.sim.local' in cluster '${env.cluster}'`]);
      expect((await start({ attributes: { rack: 'rack-99' } })).problems).toEqual([`agents: the selection (agents with attributes rack=rack-99 (not draining)) matches no registered agent in cluster '${env.cluster}'`]);
      expect((await start({})).problems).toEqual(['agents: required: select agents with all (true), agentIds, hostnames or attributes (keys combine with AND)']);
      const concurrency = (await env.runbooks.start('pruneImages', { cluster: env.cluster, agents: { all: true }, concurrency: 0, reason: 'x' }).catch((e: unknown) => e)) as RunbookInputError;
      expect(concurrency.problems).toEqual(['concurrency: must be at least 1']);
      expect(env.sim.audit().length).toBe(before);
    });

    it('plans without changing anything; the run does what the plan said', async () => {
      const [a] = rack(5);
      const { plan } = await planThenRun(env, 'pruneImages', { agents: { hostnames: [a!.hostname] }, reason: 'plan = run' });
      expect(plan.checks).toEqual([{ name: 'agents selected', ok: true, detail: `1 agent(s): ${a!.hostname}` }]);
      expect(plan.steps.at(-1)).toEqual({ name: 'prune images', action: `PRUNE_IMAGES on 1 agent(s), at most 10 at once: ${a!.hostname}` });
    });
  });

  describe('decommissionAgent', () => {
    const approveNaming = async (handle: WorkflowHandle, agentId: string) => {
      const asked = await progressUntil(handle, (p) => p.phase === 'awaiting approval');
      await handle.executeUpdate('approve', { args: [{ approver: 'alice', reason: 'retire', confirm: agentId }] });
      return asked;
    };

    it('drains, then asks an approval naming the agent and listing what is lost, then marks it gone', async () => {
      const agent = rack(6)[0]!;
      await env.mesos.reserveResources({ agentId: agent.id, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'DYNAMIC', role: 'dev' }] }] });
      const handle = await env.start('decommissionAgent', { hostname: agent.hostname, maxGracePeriodSeconds: 0, reason: 'hardware retired' });
      const asked = await progressUntil(handle, (p) => p.phase === 'awaiting approval');
      expect(asked.steps.find((s) => s.name === 'wait for DRAINED')?.status).toBe('done');
      expect(asked.events?.find((e) => e.kind === 'approvalAsked')).toMatchObject({ confirm: agent.id, what: `mark gone: MARK_AGENT_GONE ${agent.id}; lost with it: reservations dev: cpus 1 core, no volumes` });
      expect(await rejection(handle.executeUpdate('approve', { args: [{ approver: 'alice', reason: 'ok', confirm: agent.hostname }] }))).toBe(`confirm: this step needs the approval to name its target: give confirm '${agent.id}' (got '${agent.hostname}')`);
      await handle.executeUpdate('approve', { args: [{ approver: 'alice', reason: 'ok', confirm: agent.id }] });
      const result = (await handle.result()) as DecommissionAgentResult;
      expect(result).toMatchObject({ agentId: agent.id, drained: true, markedGone: true, lost: { reservations: ['dev: cpus 1 core'], volumes: [] } });
      expect(env.sim.model.agents.get(agent.id)!.status).toBe('gone');
      expect([audit('DRAIN_AGENT', agent.id), audit('MARK_AGENT_GONE', agent.id)]).toEqual([['applied'], ['applied']]);
    });

    it('markGoneOnDrain: the approval comes first, then one DRAIN_AGENT with mark_gone', async () => {
      const agent = rack(6)[1]!;
      const handle = await env.start('decommissionAgent', { agentId: agent.id, markGoneOnDrain: true, maxGracePeriodSeconds: 0, reason: 'retire at once' });
      const asked = await approveNaming(handle, agent.id);
      expect(asked.steps.find((s) => s.name === 'drain and mark gone')?.status).toBe('running');
      expect(audit('DRAIN_AGENT', agent.id)).toEqual([]);
      const result = (await handle.result()) as DecommissionAgentResult;
      expect(result).toMatchObject({ markedGone: true });
      expect(env.sim.model.agents.get(agent.id)!.status).toBe('gone');
      expect([audit('DRAIN_AGENT', agent.id), audit('MARK_AGENT_GONE', agent.id)]).toEqual([['applied'], []]);
    });

    it('an agent the master no longer lists (unreachable) is marked gone by id without a drain; an unknown id is named', async () => {
      const agent = rack(7)[0]!;
      env.sim.makeUnreachable(agent.id);
      const handle = await env.start('decommissionAgent', { agentId: agent.id, reason: 'unreachable for good' });
      await approveNaming(handle, agent.id);
      const result = (await handle.result()) as DecommissionAgentResult;
      expect(result).toMatchObject({ drained: false, markedGone: true });
      const progress = await handle.query<Progress>('progress');
      expect(progress.steps.slice(3).map((s) => `${s.name}: ${s.status}`)).toEqual(['drain: skipped', 'wait for DRAINED: skipped', 'mark gone: done', 'wait until gone: done']);
      expect(audit('DRAIN_AGENT', agent.id)).toEqual([]);
      expect(env.sim.model.agents.get(agent.id)!.status).toBe('gone');
      const unknown = await env.start('decommissionAgent', { agentId: 'no-such-agent', reason: 'typo' });
      await approveNaming(unknown, 'no-such-agent');
      const failure = await failureOf(unknown.result());
      expect(failure.type).toBe('INVALID_INPUT');
      expect(failure.message).toMatch(/agentId: the master of cluster .* does not know agent 'no-such-agent'/);
    });

    it('an agent drained already is not drained again; a lost answer of MARK_AGENT_GONE is harmless', async () => {
      const agent = rack(7)[1]!;
      await (await env.start('drainAgent', { agentId: agent.id, maxGracePeriodSeconds: 0, reason: 'first' })).result();
      env.sim.setFault({ rules: [{ calls: ['MARK_AGENT_GONE'], api: 'master', responseLostRate: 1 }] });
      let handle: WorkflowHandle;
      try {
        handle = await env.start('decommissionAgent', { agentId: agent.id, maxGracePeriodSeconds: 0, reason: 'then retire' });
        await approveNaming(handle, agent.id);
        await eventually('MARK_AGENT_GONE applied with its answer lost', () => audit('MARK_AGENT_GONE', agent.id).length > 0);
      } finally {
        env.sim.setFault({ rules: [] });
      }
      await handle.result();
      expect(audit('DRAIN_AGENT', agent.id)).toEqual(['applied']);
      // Mesos answers 200 to MARK_AGENT_GONE of an agent already gone: the retry changes nothing.
      expect(audit('MARK_AGENT_GONE', agent.id)).toEqual(['applied-response-lost', 'applied']);
      expect(env.sim.model.agents.get(agent.id)!.status).toBe('gone');
      const progress = await handle.query<Progress>('progress');
      expect(progress.steps.find((s) => s.name === 'drain')).toMatchObject({ status: 'skipped', note: 'already DRAINED' });
    });

    it('an abort at the approval, after the drain, reactivates the agent: nothing is gone', async () => {
      const agent = rack(8)[0]!;
      const handle = await env.start('decommissionAgent', { agentId: agent.id, maxGracePeriodSeconds: 0, reason: 'changed my mind' });
      await progressUntil(handle, (p) => p.phase === 'awaiting approval');
      await handle.executeUpdate('abort', { args: [{ reason: 'still needed', by: 'alice' }] });
      const failure = await failureOf(handle.result());
      expect(failure.type).toBe('ABORTED');
      const report = failure.details?.[0] as CompensationReport;
      expect(report.steps).toEqual([{ step: 'reactivate', outcome: 'done', note: 'REACTIVATE_AGENT accepted' }]);
      expect(report.cannotUndo).toEqual([expect.stringMatching(/the drain killed the tasks/)]);
      const after = env.sim.model.agents.get(agent.id)!;
      expect({ status: after.status, deactivated: after.deactivated, drain: after.drain }).toEqual({ status: 'registered', deactivated: false, drain: undefined });
      expect(audit('MARK_AGENT_GONE', agent.id)).toEqual([]);
    });

    it('refuses a machine in the maintenance schedule naming it, and a bad input before the run starts', async () => {
      const agent = rack(8)[1]!;
      await env.mesos.updateMaintenanceSchedule({ windows: [{ machine_ids: [{ hostname: agent.hostname, ip: agent.ip }], unavailability: { start: { nanoseconds: BigInt(Date.now()) * 1_000_000n } } }] });
      try {
        const failure = await failureOf((await env.start('decommissionAgent', { agentId: agent.id, reason: 'in maintenance' })).result());
        expect(failure.type).toBe('PREFLIGHT_FAILED');
        expect(failure.message).toContain(`machine not under maintenance: machine ${agent.hostname}/${agent.ip} is already DRAINING in the schedule; DRAIN_AGENT would be refused`);
      } finally {
        await env.mesos.updateMaintenanceSchedule({ windows: [] });
      }
      const err = (await env.runbooks.start('decommissionAgent', { cluster: env.cluster, agentId: agent.id, hostname: agent.hostname, markGoneOnDrain: 'yes', reason: 'x' }).catch((e: unknown) => e)) as RunbookInputError;
      expect(err.problems).toEqual(['markGoneOnDrain: must be true or false', 'hostname: give agentId or hostname, not both']);
      expect(audit('DRAIN_AGENT', agent.id)).toEqual([]);
    });

    it('plans without changing anything; the run does what the plan said', async () => {
      const agent = rack(5)[1]!;
      const { plan } = await planThenRun(env, 'decommissionAgent', { agentId: agent.id, maxGracePeriodSeconds: 0, reason: 'plan = run' }, { during: (h) => approveNaming(h, agent.id).then(() => undefined) });
      expect(plan.steps.slice(3).map((s) => [s.name, s.skipBecause ? 'skip' : 'run'])).toEqual([
        ['drain', 'run'],
        ['wait for DRAINED', 'run'],
        ['mark gone', 'run'],
        ['wait until gone', 'run'],
      ]);
      expect(plan.steps.find((s) => s.name === 'mark gone')?.action).toMatch(new RegExp(`needs an approval that names '${agent.id}'.*: MARK_AGENT_GONE ${agent.id}; lost with it: no reservations, no volumes$`));
    });
  });
});
