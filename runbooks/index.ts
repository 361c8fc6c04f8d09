/**
 * The workflow bundle's entry (the worker's `workflowsPath`): every runbook file of this folder, found by webpack's
 * `require.context` when the worker bundles its workflow code — adding a runbook is one new file here — plus the
 * per-cluster entity workflows. The CLI, docs and chat read the same files through src/catalog.ts.
 */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { RunbookWorkflow } from '../workflows/kit/define';

export { agentLock } from '../workflows/agent-lock';
export { clusterWatcher } from '../workflows/cluster-watcher';
export { clusterFreeze } from '../workflows/cluster-freeze';
export { scheduledFiring } from '../workflows/scheduled-firing';
export { maintenanceScheduleOwner } from '../workflows/maintenance-schedule-owner';

interface WebpackContext {
  keys(): string[];
  (key: string): Record<string, unknown>;
}

// The same rule as src/catalog.ts RUNBOOK_FILE: `<name>.ts` (or `.js`, compiled) directly in this folder, but this file.
const files = (require as unknown as { context(dir: string, deep: boolean, filter: RegExp): WebpackContext }).context('.', false, /^\.\/(?!index\.(ts|js)$)[A-Za-z][A-Za-z0-9]*\.(ts|js)$/);

const runbooks = new Map<string, RunbookWorkflow>();
for (const key of files.keys()) {
  for (const [name, value] of Object.entries(files(key))) {
    if (typeof value === 'function' && 'runbook' in value) runbooks.set(name, value as RunbookWorkflow);
  }
}

/** Every workflow type not exported above is a runbook: the one of that name. */
export default async function runbook(input: unknown): Promise<unknown> {
  const type = workflowInfo().workflowType;
  const workflow = runbooks.get(type);
  if (!workflow) {
    throw ApplicationFailure.create({ type: 'UNKNOWN_RUNBOOK', nonRetryable: true, message: `no runbook '${type}' (available: ${[...runbooks.keys()].join(', ')})` });
  }
  return workflow(input as never);
}
