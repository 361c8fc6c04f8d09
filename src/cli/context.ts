import type { Command } from 'commander';
import type { Config } from '../config';
import type { RunbookClient } from '../temporal/control';

/** What every command module of the CLI gets from the program: the configuration, the user, a control client. */
export interface CliContext {
  config(): Config;
  /** `--user`, else `MESOS_RUNBOOKS_USER`, else the login name; `override` (e.g. `--by`) first. */
  user(override?: string): string;
  withClient<T>(fn: (client: RunbookClient, config: Config) => Promise<T>, options?: { identity?: string; checkCluster?: boolean }): Promise<T>;
}

/** `--json`: the command prints one JSON document (or JSON lines for a stream) instead of text. */
export function jsonOption<C extends Command>(command: C): C {
  return command.option('--json', 'print JSON instead of text', false) as C;
}

/** Prints `value` as JSON (pretty), one document. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * `--until`: an ISO 8601 time with its zone (`2026-12-01T18:00:00Z`, `2026-12-01T19:00+01:00`) or a duration from
 * now (`30m`, `2h`, `1d`). Returns ISO; throws naming the option and the allowed forms.
 */
export function parseUntil(text: string, now = Date.now()): string {
  const rel = /^(\d+)\s*(m|min|h|d)$/.exec(text.trim());
  if (rel) {
    const n = Number(rel[1]);
    const ms = rel[2] === 'd' ? n * 86_400_000 : rel[2] === 'h' ? n * 3_600_000 : n * 60_000;
    return new Date(now + ms).toISOString();
  }
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text.trim())) {
    const t = Date.parse(text.trim());
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw Object.assign(new Error(`--until: '${text}' is neither a time like 2026-12-01T18:00:00Z (with its zone) nor a duration like 30m, 2h, 1d`), { code: 'INVALID_INPUT' });
}
