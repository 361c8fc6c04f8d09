/** The task queue every runbook and building block runs on unless the configuration says otherwise. */
export const DEFAULT_TASK_QUEUE = 'mesos-runbooks';

/**
 * A run's workflow id carries its business key (design.md "Run"), so a duplicate start of the same request is caught
 * by Temporal: `drainAgent/<cluster>/<agent id or hostname>`.
 */
export function runbookWorkflowId(runbook: string, cluster: string, target: string): string {
  return `${runbook}/${cluster}/${target}`;
}
