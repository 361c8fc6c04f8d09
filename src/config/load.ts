import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { formatIssues } from '../common/zod-issues';
import { dataDir } from '../temporal/paths';
import { ConfigSchema, type Config } from './schema';

/** A configuration that does not validate: every problem with its dot path, all at once. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Environment overrides, applied after the file (documented in the README):
 * `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `MESOS_RUNBOOKS_TASK_QUEUE`, and `MESOS_MASTERS` (comma-separated URLs
 * for the `default` cluster).
 */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const doc: Record<string, unknown> = isObject(raw) ? { ...raw } : {};
  const temporal: Record<string, unknown> = isObject(doc.temporal) ? { ...doc.temporal } : {};
  if (env.TEMPORAL_ADDRESS) temporal.address = env.TEMPORAL_ADDRESS;
  if (env.TEMPORAL_NAMESPACE) temporal.namespace = env.TEMPORAL_NAMESPACE;
  if (env.MESOS_RUNBOOKS_TASK_QUEUE) temporal.taskQueue = env.MESOS_RUNBOOKS_TASK_QUEUE;
  if (Object.keys(temporal).length > 0) doc.temporal = temporal;
  if (env.MESOS_MASTERS) {
    const clusters: Record<string, unknown> = isObject(doc.clusters) ? { ...doc.clusters } : {};
    const current = isObject(clusters.default) ? clusters.default : {};
    clusters.default = { ...current, masters: env.MESOS_MASTERS.split(',').map((m) => m.trim()).filter(Boolean) };
    doc.clusters = clusters;
  }
  return doc;
}

/** Validates a parsed document; throws {@link ConfigError} listing every problem by path and allowed values. */
export function parseConfig(raw: unknown, source = 'configuration'): Config {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(source, formatIssues(result.error));
}

/**
 * Reads the configuration: the file named by `file`, else `MESOS_RUNBOOKS_CONFIG`, else `./mesos-runbooks.yaml` when
 * it exists, else (without `MESOS_MASTERS`) the running demo's (`.data/demo/mesos-runbooks.yaml`, said through
 * `onNote`); YAML or JSON; then the environment overrides. Throws {@link ConfigError} when the file cannot be read or
 * parsed, or does not validate.
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; onNote?: (note: string) => void } = {}): Config {
  const env = options.env ?? process.env;
  let file = options.file ?? env.MESOS_RUNBOOKS_CONFIG ?? presentFile(path.resolve('mesos-runbooks.yaml'));
  if (!file && !env.MESOS_MASTERS) {
    file = presentFile(demoConfigFile(env));
    if (file) options.onNote?.(`(using the demo's configuration ${file}; give --config or MESOS_RUNBOOKS_CONFIG for another)`);
  }
  if (!file && !env.MESOS_MASTERS) {
    throw new ConfigError('no configuration', [
      `clusters: no cluster is configured: give --config <file>, set MESOS_RUNBOOKS_CONFIG=<file>, create ./mesos-runbooks.yaml, or set MESOS_MASTERS=http://<master>:5050 (while \`npm run demo\` runs, its configuration is found by itself)`,
    ]);
  }
  let raw: unknown = {};
  const source = file ?? 'environment';
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
    try {
      raw = YAML.parse(text) ?? {};
    } catch (err) {
      throw new ConfigError(file, [`not valid YAML or JSON: ${(err as Error).message}`]);
    }
  }
  return parseConfig(applyEnvOverrides(raw, env), source);
}

/** Where the running demo writes its configuration (removed when it stops). */
export function demoConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dataDir(env), 'demo', 'mesos-runbooks.yaml');
}

function presentFile(candidate: string): string | undefined {
  return existsSync(candidate) ? candidate : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
