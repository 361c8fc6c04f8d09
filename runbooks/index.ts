/**
 * The workflow bundle's entry (the worker's `workflowsPath`): every runbook file of this folder, found by webpack's
 * `require.context` when the worker bundles its workflow code — adding a runbook is one new file here — plus the
 * per-cluster entity workflows. The CLI, docs and chat read the same files through src/catalog.ts.
 *
 * Loaded lazily, by workflow type. The SDK runs every workflow of a worker in one V8 context but gives each its own
 * copy of every module it loads (module state stays per run), so a module this entry loaded for every run would be
 * evaluated, and kept in the workflow cache, once per cached run: a drainAgent child loads drainAgent's modules
 * only, not the nine other runbooks' nor the entities' (docs/benchmarks.md "Fleet: where the time goes").
 */
/* eslint-disable @typescript-eslint/no-require-imports -- each module is loaded when a run needs it (above) */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { RunbookWorkflow } from '../workflows/kit/define';

interface WebpackContext {
  keys(): string[];
  (key: string): Record<string, unknown>;
}

// The same rule as src/catalog.ts RUNBOOK_FILE: `<name>.ts` (or `.js`, compiled) directly in this folder, but this
// file; the catalog checks that each file declares the runbook of its name. `lazy-once` would split chunks, which a
// workflow bundle cannot load: the context is `sync`, and a file's code runs only when it is required.
const files = (require as unknown as { context(dir: string, deep: boolean, filter: RegExp): WebpackContext }).context('.', false, /^\.\/(?!index\.(ts|js)$)[A-Za-z][A-Za-z0-9]*\.(ts|js)$/);
const fileOf = new Map(files.keys().map((key) => [key.replace(/^\.\/|\.(ts|js)$/g, ''), key]));

/** The per-cluster entity workflows, each loaded when a run of its type starts. */
const entities: Record<string, () => (...args: never[]) => Promise<unknown>> = {
  agentLock: () => require('../workflows/agent-lock').agentLock,
  clusterWatcher: () => require('../workflows/cluster-watcher').clusterWatcher,
  clusterFreeze: () => require('../workflows/cluster-freeze').clusterFreeze,
  scheduledFiring: () => require('../workflows/scheduled-firing').scheduledFiring,
  maintenanceScheduleOwner: () => require('../workflows/maintenance-schedule-owner').maintenanceScheduleOwner,
};

/** Every workflow type is served here: an entity, or the runbook of that name (the file of that name). */
export default async function runbook(...args: unknown[]): Promise<unknown> {
  const type = workflowInfo().workflowType;
  const entity = Object.hasOwn(entities, type) ? entities[type] : undefined;
  if (entity) return entity()(...(args as never[]));
  const key = fileOf.get(type);
  const workflow = key ? (files(key)[type] as RunbookWorkflow | undefined) : undefined;
  if (typeof workflow !== 'function' || !('runbook' in workflow)) {
    throw ApplicationFailure.create({ type: 'UNKNOWN_RUNBOOK', nonRetryable: true, message: `no runbook '${type}' (available: ${[...fileOf.keys()].join(', ')})` });
  }
  return workflow(args[0] as never);
}
