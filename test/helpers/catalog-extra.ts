import { catalog, type CatalogEntry } from '../../src/catalog';
import type { RunbookWorkflow } from '../../workflows/kit/define';

/**
 * Adds a test runbook (test/helpers/kit-runbooks.ts) to this jest process's catalog, so the start paths that run
 * in-process (a schedule's firing activities, the chat bot) accept it like a runbook of runbooks/.
 */
export function addTestRunbook(workflow: { runbook: unknown }): void {
  const def = (workflow as RunbookWorkflow).runbook;
  const example = def.inputSchema.parse(def.example) as Record<string, unknown>;
  const entry: CatalogEntry = {
    name: def.name,
    summary: def.summary,
    destructive: def.destructive,
    inputSchema: def.inputSchema,
    target: def.target as (input: Record<string, unknown>) => string,
    example: def.example as Record<string, unknown>,
    file: 'test/helpers/kit-runbooks.ts',
    steps: ['preflight', 'lease', 'approval', ...def.steps(example as never).map((s) => s.name)],
  };
  (catalog() as Map<string, CatalogEntry>).set(def.name, entry);
}
