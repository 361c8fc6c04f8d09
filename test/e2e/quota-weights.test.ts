import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { UpdateQuotaResult } from '../../runbooks/updateQuota';
import type { CompensationReport } from '../../workflows/kit/compensation';
import { RunbookInputError } from '../../src/temporal/control';
import { planThenRun, progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';

// updateQuota and updateWeights end to end: the real dev server, the worker and a simulated cluster. Each test uses
// roles of its own; the cluster's quota (or weights) lease serialises runs.
describe('quota and weights', () => {
  let env: RunbookEnv;
  beforeAll(async () => {
    env = await runbookEnv({ agents: 3, tasksPerAgent: 1, frameworks: 1 });
  });
  afterAll(() => env?.stop());

  const audit = (call: string) => env.sim.audit().filter((e) => e.call === call).map((e) => `${e.target} ${e.outcome}`);
  const quotaOf = async (role: string) => (await env.mesos.getQuota()).status.configs.find((c) => c.role === role);
  const weightOf = async (role: string) => (await env.mesos.getWeights()).weight_infos.find((w) => w.role === role)?.weight;
  const failureOf = async (promise: Promise<unknown>) => {
    const err = (await promise.catch((e: unknown) => e)) as WorkflowFailedError;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return err.cause as ApplicationFailure;
  };
  const v = (value: number) => ({ value });

  describe('updateQuota', () => {
    it('sets a role\'s quota, reads it back; the same input again sends nothing; an entry with neither field clears it', async () => {
      const quotas = [{ role: 'q-a', guarantees: { cpus: 2, mem: 1024 }, limits: { cpus: 4, mem: 4096 } }];
      const result = (await (await env.start('updateQuota', { quotas, reason: 'team a' })).result()) as UpdateQuotaResult;
      expect(result).toEqual({ cluster: env.cluster, roles: ['q-a'], changes: [expect.stringMatching(/^UPDATE_QUOTA accepted: q-a: no quota → guarantees cpus 2 cores, mem 1024 MB; limits cpus 4 cores, mem 4096 MB$/)] });
      expect(await quotaOf('q-a')).toEqual({ role: 'q-a', guarantees: { cpus: v(2), mem: v(1024) }, limits: { cpus: v(4), mem: v(4096) } });
      expect(audit('UPDATE_QUOTA')).toEqual(['q-a applied']);
      const again = (await (await env.start('updateQuota', { quotas, reason: 'again' })).result()) as UpdateQuotaResult;
      expect(again.changes).toEqual([]);
      expect(audit('UPDATE_QUOTA')).toEqual(['q-a applied']);
      await (await env.start('updateQuota', { quotas: [{ role: 'q-a' }], reason: 'clear' })).result();
      expect(await quotaOf('q-a')).toBeUndefined();
    });

    it('checks what the master checks before the call, naming the field; force skips the capacity check', async () => {
      const before = audit('UPDATE_QUOTA').length;
      const bad = await failureOf((await env.start('updateQuota', { quotas: [{ role: 'q-b', guarantees: { cpus: 3 }, limits: { cpus: 2 } }, { role: 'q-c', guarantees: { cpus: 1000 } }], reason: 'bad' })).result());
      expect(bad.type).toBe('PREFLIGHT_FAILED');
      expect(bad.message).toMatch(/quotas.0.guarantees.cpus: the guarantee 3 is above the limit 2 .*quotas: the top-level guarantees of cpus would total 1003, above the cluster's capacity 24/);
      expect(audit('UPDATE_QUOTA')).toHaveLength(before);
      await (await env.start('updateQuota', { quotas: [{ role: 'q-c', guarantees: { cpus: 1000 } }], force: true, reason: 'forced' })).result();
      expect((await quotaOf('q-c'))?.guarantees).toEqual({ cpus: v(1000) });
      await (await env.start('updateQuota', { quotas: [{ role: 'q-c' }], reason: 'clear' })).result();
    });

    it('refuses a bad input before the run starts, naming every field', async () => {
      const before = env.sim.audit().length;
      const err = (await env.runbooks.start('updateQuota', { cluster: env.cluster, quotas: [{ role: '', limits: { gpus: 0.5, cpu: 1 } }], force: 'yes', reason: 'x' }).catch((e: unknown) => e)) as RunbookInputError;
      expect(err).toBeInstanceOf(RunbookInputError);
      expect(err.problems).toEqual(['quotas.0.role: must be a non-empty role name', 'quotas.0.limits.gpus: must be a whole number of GPUs', "quotas.0.limits: unknown field(s) 'cpu'", 'force: must be true or false']);
      const empty = (await env.runbooks.start('updateQuota', { cluster: env.cluster, quotas: [], reason: 'x' }).catch((e: unknown) => e)) as RunbookInputError;
      expect(empty.problems).toEqual(['quotas: list at least one role']);
      expect(env.sim.audit().length).toBe(before);
    });

    it('a lost answer does not apply twice', async () => {
      env.sim.setFault({ rules: [{ calls: ['UPDATE_QUOTA'], api: 'master', responseLostRate: 1 }] });
      try {
        await (await env.start('updateQuota', { quotas: [{ role: 'q-d', limits: { cpus: 3 } }], reason: 'lost' })).result();
      } finally {
        env.sim.setFault({ rules: [] });
      }
      expect(audit('UPDATE_QUOTA').filter((e) => e.startsWith('q-d'))).toEqual(['q-d applied-response-lost']);
      expect(await quotaOf('q-d')).toEqual({ role: 'q-d', guarantees: {}, limits: { cpus: v(3) } });
    });

    it('an abort after UPDATE_QUOTA, before it is read back, puts the previous quota back', async () => {
      await (await env.start('updateQuota', { quotas: [{ role: 'q-e', limits: { cpus: 2 } }], reason: 'before' })).result();
      const handle = await env.start('updateQuota', { quotas: [{ role: 'q-e', limits: { cpus: 6 } }], requireApproval: true, reason: 'abort me' });
      await progressUntil(handle, (p) => p.phase === 'awaiting approval');
      env.sim.setFault({ rules: [{ calls: ['GET_QUOTA'], api: 'master', latencyMs: 5000 }] });
      try {
        await env.runbooks.approve(handle.workflowId, { reason: 'ok' });
        await progressUntil(handle, (p) => p.wait?.kind === 'mesos', 45_000);
        await handle.executeUpdate('abort', { args: [{ reason: 'wrong role', by: 'alice' }] });
        const failure = await failureOf(handle.result());
        expect(failure.type).toBe('ABORTED');
        expect((failure.details?.[0] as CompensationReport).steps).toEqual([{ step: 'restore quota', outcome: 'done', note: 'UPDATE_QUOTA accepted: q-e: guarantees none; limits cpus 6 cores → guarantees none; limits cpus 2 cores' }]);
      } finally {
        env.sim.setFault({ rules: [] });
      }
      expect((await quotaOf('q-e'))?.limits).toEqual({ cpus: v(2) });
    }, 90_000);

    it('holds the cluster\'s quota lease: a second run fails naming the holder (ifBusy: fail)', async () => {
      const holder = await env.start('updateQuota', { quotas: [{ role: 'q-f', limits: { cpus: 1 } }], requireApproval: true, reason: 'holder' });
      await progressUntil(holder, (p) => p.phase === 'awaiting approval');
      const failure = await failureOf((await env.start('updateQuota', { quotas: [{ role: 'q-g', limits: { cpus: 1 } }], ifBusy: 'fail', reason: 'second' })).result());
      expect(failure.type).toBe('AGENT_LOCKED');
      expect(failure.message).toContain(`the quota of the cluster is held by updateQuota run ${holder.workflowId}`);
      await holder.executeUpdate('abort', { args: [{ reason: 'done' }] });
      await holder.result().catch(() => undefined);
    });

    it('plans the difference from GET_QUOTA without changing anything; the run does what the plan said', async () => {
      const { plan } = await planThenRun(env, 'updateQuota', { quotas: [{ role: 'q-h', guarantees: { cpus: 1 } }], reason: 'plan = run' });
      expect(plan.checks.map((c) => `${c.name}: ${c.ok}`)).toEqual(['quota valid: true']);
      expect(plan.steps.at(-1)).toEqual({ name: 'update quota', action: 'UPDATE_QUOTA for q-h: q-h: no quota → guarantees cpus 1 core; limits none' });
      const { plan: again } = await planThenRun(env, 'updateQuota', { quotas: [{ role: 'q-h', guarantees: { cpus: 1 } }], reason: 'converged' });
      expect(again.steps.at(-1)?.skipBecause).toBe('GET_QUOTA shows every listed role as wanted');
    });
  });

  describe('updateWeights', () => {
    it('sets weights, reads them back; again: nothing sent; a lost answer applies once', async () => {
      await (await env.start('updateWeights', { weights: [{ role: 'w-a', weight: 2.5 }, { role: 'w-b', weight: 1 }], reason: 'shares' })).result();
      expect([await weightOf('w-a'), await weightOf('w-b')]).toEqual([2.5, 1]);
      expect(audit('UPDATE_WEIGHTS')).toEqual(['w-a,w-b applied']);
      await (await env.start('updateWeights', { weights: [{ role: 'w-a', weight: 2.5 }], reason: 'again' })).result();
      expect(audit('UPDATE_WEIGHTS')).toHaveLength(1);
      env.sim.setFault({ rules: [{ calls: ['UPDATE_WEIGHTS'], api: 'master', responseLostRate: 1 }] });
      try {
        await (await env.start('updateWeights', { weights: [{ role: 'w-a', weight: 4 }], reason: 'lost' })).result();
      } finally {
        env.sim.setFault({ rules: [] });
      }
      expect(audit('UPDATE_WEIGHTS')).toEqual(['w-a,w-b applied', 'w-a applied-response-lost']);
      expect(await weightOf('w-a')).toBe(4);
    });

    it('refuses a bad input before the run starts, naming the field', async () => {
      const err = (await env.runbooks.start('updateWeights', { cluster: env.cluster, weights: [{ role: 'w-c', weight: 0 }], reason: 'x' }).catch((e: unknown) => e)) as RunbookInputError;
      expect(err.problems).toEqual(['weights.0.weight: must be more than 0 (Mesos cannot unset a weight: set 1, the default)']);
      const role = await failureOf((await env.start('updateWeights', { weights: [{ role: 'a//b', weight: 2 }], reason: 'x' })).result());
      expect(role.message).toMatch(/weights valid: weights.0.role: Role 'a\/\/b' cannot contain '\/\/'/);
    });

    it('an abort before the weights are read back puts them back (a role that had none gets 1: Mesos cannot unset)', async () => {
      const handle = await env.start('updateWeights', { weights: [{ role: 'w-d', weight: 3 }], requireApproval: true, reason: 'abort me' });
      await progressUntil(handle, (p) => p.phase === 'awaiting approval');
      env.sim.setFault({ rules: [{ calls: ['GET_WEIGHTS'], api: 'master', latencyMs: 5000 }] });
      try {
        await env.runbooks.approve(handle.workflowId, { reason: 'ok' });
        await progressUntil(handle, (p) => p.wait?.kind === 'mesos', 45_000);
        await handle.executeUpdate('abort', { args: [{ reason: 'no' }] });
        const report = (await failureOf(handle.result())).details?.[0] as CompensationReport;
        expect(report.steps).toEqual([{ step: 'restore weights', outcome: 'done', note: 'UPDATE_WEIGHTS accepted: w-d: 3 → 1' }]);
        expect(report.cannotUndo).toEqual(['Mesos cannot unset a weight: w-d had none (the default 1) and now have an explicit one (1 after the compensation)']);
      } finally {
        env.sim.setFault({ rules: [] });
      }
      expect(await weightOf('w-d')).toBe(1);
    }, 90_000);

    it('plans the difference from GET_WEIGHTS without changing anything; the run does what the plan said', async () => {
      const { plan } = await planThenRun(env, 'updateWeights', { weights: [{ role: 'w-e', weight: 2 }], reason: 'plan = run' });
      expect(plan.steps.at(-1)).toEqual({ name: 'update weights', action: 'UPDATE_WEIGHTS for w-e: w-e: 1 (default) → 2' });
    });
  });
});
