import { Context } from '@temporalio/activity';
import type { ClusterRegistry } from '../src/clusters';
import { currentWeights, quotaChanges, quotaConfigs, toQuotaConfigInput, weightChanges, type QuotaConfigView, type WeightEntry } from '../src/resources/quota';
import { asActivity } from './errors';
import type { StepOutcome } from './types';

export interface QuotaActivityDeps {
  clusters: ClusterRegistry;
}

/**
 * Quota and weights as desired state (spec §7), read → decide → write: each attempt reads GET_QUOTA / GET_WEIGHTS and
 * sends only the roles that differ, so a retry after a lost answer sends nothing. UPDATE_QUOTA is all-or-nothing;
 * Mesos's refusals (400) pass through with the client's code (the runbook checks the same rules before the call).
 */
export function createQuotaActivities({ clusters }: QuotaActivityDeps) {
  const retried = () => Context.current().info.attempt > 1;
  return {
    /** Every role's quota config (GET_QUOTA `configs`). */
    async readQuota(input: { cluster: string }): Promise<QuotaConfigView[]> {
      return asActivity(async () => quotaConfigs(await clusters.master(input.cluster).getQuota()));
    },

    /**
     * UPDATE_QUOTA with the roles of `configs` whose config differs (each replaces that role's whole config; empty
     * maps clear it).
     */
    async updateQuota(input: { cluster: string; configs: QuotaConfigView[]; force: boolean }): Promise<StepOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const changes = quotaChanges(quotaConfigs(await master.getQuota()), input.configs);
        if (changes.length === 0) return { applied: retried(), note: `GET_QUOTA shows every listed role as wanted${retried() ? " (an earlier attempt's call took effect; its answer was lost)" : ''}` };
        await master.updateQuota({ quotaConfigs: changes.map((c) => toQuotaConfigInput(c.to)), ...(input.force ? { force: true } : {}) });
        return { applied: true, note: `UPDATE_QUOTA accepted: ${changes.map((c) => c.text).join('; ')}` };
      });
    },

    /** Every explicit weight (GET_WEIGHTS). */
    async readWeights(input: { cluster: string }): Promise<WeightEntry[]> {
      return asActivity(async () => currentWeights(await clusters.master(input.cluster).getWeights()));
    },

    /** UPDATE_WEIGHTS with the listed roles whose weight differs. */
    async updateWeights(input: { cluster: string; weights: WeightEntry[] }): Promise<StepOutcome> {
      return asActivity(async () => {
        const master = clusters.master(input.cluster);
        const changes = weightChanges(currentWeights(await master.getWeights()), input.weights);
        if (changes.length === 0) return { applied: retried(), note: `GET_WEIGHTS shows every listed weight${retried() ? " (an earlier attempt's call took effect; its answer was lost)" : ''}` };
        await master.updateWeights({ weightInfos: changes.map((c) => ({ role: c.role, weight: c.to })) });
        return { applied: true, note: `UPDATE_WEIGHTS accepted: ${changes.map((c) => c.text).join('; ')}` };
      });
    },
  };
}

export type QuotaActivities = ReturnType<typeof createQuotaActivities>;
