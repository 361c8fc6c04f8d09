/**
 * Every workflow id the project derives, in one place (design.md "Run"). Pure: imported by workflows (sandbox),
 * activities, the control client and the CLI alike.
 */

/** The task queue every runbook and building block runs on unless the configuration says otherwise. */
export const DEFAULT_TASK_QUEUE = 'mesos-runbooks';

/**
 * A run's workflow id carries its business key, so a duplicate start of the same request is caught by Temporal:
 * `<runbook>/<cluster>/<target>` (the target: an agent id or hostname, a persistence id, the sorted roles, ...).
 */
export function runbookWorkflowId(runbook: string, cluster: string, target: string): string {
  return `${runbook}/${cluster}/${target}`;
}

/** What a run reference of the form `<runbook>/<cluster>/<target>[/<suffix>]` names; undefined for another shape. */
export function parseRunReference(ref: string): { runbook: string; cluster: string; target: string } | undefined {
  const match = /^([A-Za-z][A-Za-z0-9]*)\/([a-z0-9][a-z0-9_.-]*)\/([^/]+)(?:\/.*)?$/.exec(ref);
  return match ? { runbook: match[1]!, cluster: match[2]!, target: match[3]! } : undefined;
}

/** The one agent lock of a cluster (entity workflow `agentLock`). */
export function agentLockWorkflowId(cluster: string): string {
  return `agent-lock/${cluster}`;
}

/** The one writer of a cluster's maintenance schedule (entity workflow `maintenanceScheduleOwner`). */
export function maintenanceScheduleOwnerId(cluster: string): string {
  return `maintenance-schedule/${cluster}`;
}

/** The shared convergence watcher of a cluster (entity workflow `clusterWatcher`). */
export function watcherWorkflowId(cluster: string): string {
  return `cluster-watcher/${cluster}`;
}

/** The freeze of a cluster (entity workflow `clusterFreeze`): who froze it, why, until when, and the runs to tell. */
export function clusterFreezeWorkflowId(cluster: string): string {
  return `cluster-freeze/${cluster}`;
}

/** The Temporal Schedule of a configured schedule (`schedules[].id`): `mesos-runbooks/<id>`. */
export const SCHEDULE_ID_PREFIX = 'mesos-runbooks/';
export function temporalScheduleId(id: string): string {
  return `${SCHEDULE_ID_PREFIX}${id}`;
}

/** The entity workflows' types, for starting them by name (activities never import workflow modules). */
export const EntityWorkflowTypes = {
  agentLock: 'agentLock',
  maintenanceScheduleOwner: 'maintenanceScheduleOwner',
  clusterWatcher: 'clusterWatcher',
  clusterFreeze: 'clusterFreeze',
  /** What a schedule starts at each firing: it computes the window and starts (or resumes) the runbook's run. */
  scheduledFiring: 'scheduledFiring',
} as const;
