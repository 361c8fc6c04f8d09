/**
 * The runbook catalog, derived from the runbook files (runbooks/*.ts): what the CLI lists, the chat bot offers, the
 * docs show and start paths validate against. The worker's workflow bundle finds the same files (runbooks/index.ts);
 * adding a runbook is one new file there. Node only (it reads the folder).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { RunbookWorkflow } from '../workflows/kit/define';
import type { SubjectLookup } from '../workflows/kit/types';

/** `<name>.ts` (or `.js` once built) directly in runbooks/, but the bundle's entry: the same rule as runbooks/index.ts. */
export const RUNBOOK_FILE = /^(?!index\.)([A-Za-z][A-Za-z0-9]*)\.(ts|js)$/;

/** One runbook as the start paths (CLI, chat, schedules) and the docs see it. */
export interface CatalogEntry {
  name: string;
  summary: string;
  destructive: boolean;
  inputSchema: z.ZodType;
  /** The business key of a run, for its workflow id. */
  target: (input: Record<string, unknown>) => string;
  /** A ready-to-run example input. */
  example: Record<string, unknown>;
  /** The runbook file, relative to the project root. */
  file: string;
  /** The steps a run of the example reports, in order (preflight, lease, approval, then the runbook's own). */
  steps: string[];
  /** How start paths check the subject before starting: one agent, a selection of agents, or the cluster. */
  lookup: SubjectLookup;
  /** The runbook's own control messages besides the common ones (an Update and a Signal each), with their input. */
  controls: { name: string; usage: string }[];
}

const RUNBOOKS_DIR = path.resolve(__dirname, '../runbooks');

let loaded: Map<string, CatalogEntry> | undefined;

/** The catalog, read once: every runbook exported by a runbook file, by name. Throws when a file breaks the rules. */
export function catalog(): ReadonlyMap<string, CatalogEntry> {
  loaded ??= load();
  return loaded;
}

/** The runbook of that name, or undefined. */
export function runbookEntry(name: string): CatalogEntry | undefined {
  return catalog().get(name);
}

export function runbookNames(): string[] {
  return [...catalog().keys()];
}

/** The catalog entry of a runbook declaration (`file`: where it is declared, relative to the project root). */
export function catalogEntry(def: RunbookWorkflow['runbook'], file: string): CatalogEntry {
  const example = def.inputSchema.parse(def.example) as Record<string, unknown>;
  return {
    name: def.name,
    summary: def.summary,
    destructive: def.destructive,
    inputSchema: def.inputSchema,
    target: def.target as (input: Record<string, unknown>) => string,
    example: def.example as Record<string, unknown>,
    file,
    steps: ['preflight', 'lease', 'approval', ...def.steps(example as never).map((s) => s.name)],
    lookup: def.subject.lookup ?? { kind: 'agent' },
    controls: Object.entries(def.controls ?? {}).map(([name, spec]) => ({ name, usage: spec.usage })),
  };
}

function load(): Map<string, CatalogEntry> {
  const entries = new Map<string, CatalogEntry>();
  const files = readdirSync(RUNBOOKS_DIR).filter((f) => RUNBOOK_FILE.test(f) && !f.endsWith('.d.ts')).sort();
  for (const file of files) {
    const exports = require(path.join(RUNBOOKS_DIR, file)) as Record<string, unknown>;
    for (const [exported, value] of Object.entries(exports)) {
      if (typeof value !== 'function' || !('runbook' in value)) continue;
      const def = (value as RunbookWorkflow).runbook;
      if (def.name !== exported) throw new Error(`runbooks/${file}: export '${exported}' declares runbook '${def.name}': the export's name is the workflow type, they must be equal`);
      // The workflow bundle's entry (runbooks/index.ts) loads a run's runbook by its file name.
      if (def.name !== RUNBOOK_FILE.exec(file)![1]) throw new Error(`runbooks/${file}: declares runbook '${def.name}': a runbook file declares the runbook of its name (runbooks/${def.name}.ts)`);
      if (entries.has(def.name)) throw new Error(`runbooks/${file}: runbook '${def.name}' is declared twice`);
      entries.set(def.name, catalogEntry(def, `runbooks/${file}`));
    }
  }
  return entries;
}
