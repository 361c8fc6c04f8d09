import { configOf, quotaChanges, weightChanges, type QuotaConfigView, type QuotaEntry, type WeightEntry } from '../../src/resources/quota';
import { act } from '../kit/calls';
import type { ClusterInput, ClusterSubject } from '../kit/cluster';
import { step } from '../kit/define';
import type { RunContext, StepSpec } from '../kit/types';

/**
 * The steps of quota and weights as desired state (updateQuota, updateWeights): read GET_QUOTA / GET_WEIGHTS, decide
 * the roles that differ (the plan shows the difference), send them in one call, then read back until the master shows
 * them. Undone by sending what was read before.
 */

export interface QuotaInput extends ClusterInput {
  quotas: QuotaEntry[];
  force: boolean;
}

export interface WeightsInput extends ClusterInput {
  weights: WeightEntry[];
}

export interface QuotaFacts extends Record<string, unknown> {
  /** The configs of the changed roles before the run changed them. */
  previousQuota?: QuotaConfigView[];
  /** The weights of the changed roles before (undefined: the role had no explicit weight). */
  previousWeights?: { role: string; weight?: number }[];
  changes: string[];
}

export type QuotaContext<I extends ClusterInput = QuotaInput> = RunContext<I, ClusterSubject, QuotaFacts>;

const SETTLE_MS = 120_000;
const roles = (list: { role: string }[]) => list.map((e) => e.role).join(', ');

/** UPDATE_QUOTA of the listed roles whose config differs (a role's entry replaces its whole config). */
export function quotaStep(): StepSpec<QuotaContext> {
  const wanted = (ctx: QuotaContext) => ctx.input.quotas.map(configOf);
  return step<QuotaContext, QuotaConfigView[]>({
    name: 'update quota',
    action: (ctx) => `UPDATE_QUOTA for ${roles(ctx.input.quotas)}${ctx.input.force ? ' (force)' : ''}`,
    read: (ctx) => act.readQuota(`GET_QUOTA of cluster ${ctx.cluster}`, { cluster: ctx.cluster }),
    skip: (ctx, current) => (quotaChanges(current, wanted(ctx)).length === 0 ? 'GET_QUOTA shows every listed role as wanted' : undefined),
    detail: (ctx, current) => quotaChanges(current, wanted(ctx)).map((c) => c.text).join('; '),
    write: (ctx, current) => {
      ctx.facts.previousQuota ??= quotaChanges(current, wanted(ctx)).map((c) => c.from);
      return act.updateQuota(`UPDATE_QUOTA ${roles(ctx.input.quotas)}`, { cluster: ctx.cluster, configs: wanted(ctx), force: ctx.input.force });
    },
    wait: (ctx) => ({ kind: 'condition', condition: { kind: 'quotaConfigs', configs: wanted(ctx) }, what: `GET_QUOTA showing the new quota of ${roles(ctx.input.quotas)}`, timeoutMs: SETTLE_MS }),
    done: (ctx, { outcome }) => {
      if (outcome?.applied) ctx.facts.changes.push(outcome.note);
      return undefined;
    },
    compensate: {
      name: 'restore quota',
      run: async (ctx) => {
        const previous = ctx.facts.previousQuota;
        if (!previous || previous.length === 0) return undefined;
        // What was there passed the master's checks then (or was forced): it is restored as it was.
        const r = await act.updateQuota(`UPDATE_QUOTA ${roles(previous)} back (compensation)`, { cluster: ctx.cluster, configs: previous, force: true });
        return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
      },
    },
  });
}

/** UPDATE_WEIGHTS of the listed roles whose weight differs. */
export function weightsStep(): StepSpec<QuotaContext<WeightsInput>> {
  return step<QuotaContext<WeightsInput>, WeightEntry[]>({
    name: 'update weights',
    action: (ctx) => `UPDATE_WEIGHTS for ${roles(ctx.input.weights)}`,
    read: (ctx) => act.readWeights(`GET_WEIGHTS of cluster ${ctx.cluster}`, { cluster: ctx.cluster }),
    skip: (ctx, current) => (weightChanges(current, ctx.input.weights).length === 0 ? 'GET_WEIGHTS shows every listed weight' : undefined),
    detail: (ctx, current) => weightChanges(current, ctx.input.weights).map((c) => c.text).join('; '),
    write: (ctx, current) => {
      ctx.facts.previousWeights ??= weightChanges(current, ctx.input.weights).map((c) => ({ role: c.role, ...(c.from !== undefined ? { weight: c.from } : {}) }));
      return act.updateWeights(`UPDATE_WEIGHTS ${roles(ctx.input.weights)}`, { cluster: ctx.cluster, weights: ctx.input.weights });
    },
    wait: (ctx) => ({ kind: 'condition', condition: { kind: 'roleWeights', weights: ctx.input.weights }, timeoutMs: SETTLE_MS }),
    done: (ctx, { outcome }) => {
      if (outcome?.applied) ctx.facts.changes.push(outcome.note);
      return undefined;
    },
    compensate: {
      name: 'restore weights',
      run: async (ctx) => {
        const previous = ctx.facts.previousWeights;
        if (!previous || previous.length === 0) return undefined;
        const r = await act.updateWeights(`UPDATE_WEIGHTS ${roles(previous)} back (compensation)`, { cluster: ctx.cluster, weights: previous.map((p) => ({ role: p.role, weight: p.weight ?? 1 })) });
        return { outcome: r.applied ? 'done' : 'skipped', note: r.note };
      },
    },
    cannotUndo: (ctx) => {
      const unset = (ctx.facts.previousWeights ?? []).filter((p) => p.weight === undefined).map((p) => p.role);
      return unset.length ? `Mesos cannot unset a weight: ${unset.join(', ')} had none (the default 1) and now have an explicit one (1 after the compensation)` : undefined;
    },
  });
}
