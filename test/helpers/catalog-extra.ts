import { catalog, catalogEntry, type CatalogEntry } from '../../src/catalog';
import type { RunbookWorkflow } from '../../workflows/kit/define';

/**
 * Adds a test runbook (test/helpers/kit-runbooks.ts) to this jest process's catalog, so the start paths that run
 * in-process (a schedule's firing activities, the chat bot) accept it like a runbook of runbooks/.
 */
export function addTestRunbook(workflow: { runbook: unknown }): void {
  const def = (workflow as RunbookWorkflow).runbook;
  (catalog() as Map<string, CatalogEntry>).set(def.name, catalogEntry(def, 'test/helpers/kit-runbooks.ts'));
}
