import { Context, log } from '@temporalio/activity';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { ClusterRegistry } from '../src/clusters';
import type { PolicyConfig } from '../src/config';
import type { ChatopsConfig, NotificationsConfig } from '../src/config/triggers';
import { clusterFreezeWorkflowId, EntityWorkflowTypes, freezeSubscribeUpdate, type ApprovalPolicy, type Notification, type RunSettings } from '../src/contracts';
import { deliver, eventsFor } from '../src/notify/deliver';
import { runUrl } from '../src/temporal/connection';
import { asActivity, updateFailure } from './errors';

export interface SettingsActivityDeps {
  clusters: ClusterRegistry;
  policy: PolicyConfig;
  temporal: { client: Client; taskQueue: string };
  /** Notification targets (none: runs send no notifications) and what links to runs need. */
  notifications?: { config: NotificationsConfig; chatops?: ChatopsConfig; uiUrl?: string };
  /** A rehearsal's speed: runs' own timers go this much faster (default 1). */
  timeScale?: number;
}

/** The approval policy of a runbook: the general rules, overridden by the runbook's own entry under `policy.runbooks`. */
export function approvalPolicyFor(policy: PolicyConfig, runbook: string, timeScale?: number): ApprovalPolicy {
  const own = policy.runbooks[runbook] ?? {};
  return {
    approvers: own.approvers ?? policy.approvers,
    alwaysRequireApproval: policy.alwaysRequireApproval.includes(runbook),
    fourEyes: own.fourEyes ?? policy.fourEyes,
    requiredApprovals: own.requiredApprovals ?? policy.requiredApprovals,
    ...(timeScale !== undefined && timeScale !== 1 ? { timeScale } : {}),
  };
}

/**
 * What a run learns from the worker's configuration at its start, in one activity (so a run makes no call before
 * its steps just to learn there is no freeze): the approval policy, its cluster's freeze (subscribing the run to the
 * freeze's changes, which come as a Signal), and the notification events configured for its runbook and cluster.
 */
export function createSettingsActivities({ clusters, policy, temporal, notifications, timeScale }: SettingsActivityDeps) {
  return {
    async runSettings(input: { runbook: string; cluster: string; subscribe: boolean }): Promise<RunSettings> {
      return asActivity(async () => {
        const { workflowId, runId } = Context.current().info.workflowExecution ?? { workflowId: '', runId: '' };
        const known = clusters.names().includes(input.cluster);
        let freeze: RunSettings['freeze'] = { cluster: input.cluster };
        let subscribed = false;
        if (input.subscribe && known && workflowId) {
          try {
            freeze = await temporal.client.workflow.executeUpdateWithStart(freezeSubscribeUpdate, {
              args: [{ workflowId, runId }],
              startWorkflowOperation: new WithStartWorkflowOperation(EntityWorkflowTypes.clusterFreeze, {
                workflowId: clusterFreezeWorkflowId(input.cluster),
                taskQueue: temporal.taskQueue,
                args: [{ cluster: input.cluster }],
                workflowIdConflictPolicy: 'USE_EXISTING',
              }),
            });
          } catch (err) {
            throw updateFailure(err);
          }
          subscribed = true;
        }
        return {
          policy: approvalPolicyFor(policy, input.runbook, timeScale),
          freeze,
          subscribed,
          notify: notifications && known ? eventsFor(notifications.config, input.runbook, input.cluster) : [],
        };
      });
    },

    /**
     * Sends one notification to every target configured for its event, runbook and cluster, with the run's Web UI
     * link. Each target is tried `notifications.attempts` times; a target that still fails is logged (by name, never
     * with a secret) and the activity succeeds all the same: a notification never fails a run.
     */
    async notify(n: Notification): Promise<{ delivered: string[] }> {
      if (!notifications) return { delivered: [] };
      const url = runUrl(notifications.uiUrl, temporal.client.options.namespace, n.workflowId, n.runId);
      const delivered = await deliver(n, {
        config: notifications.config,
        chatops: notifications.chatops,
        url,
        onFailure: (target, error) => log.warn('notification not delivered', { target, event: n.event, workflowId: n.workflowId, error }),
      });
      return { delivered };
    },
  };
}

export type SettingsActivities = ReturnType<typeof createSettingsActivities>;
