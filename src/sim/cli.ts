/**
 * `mesos-sim`: runs a simulated Mesos cluster and prints one JSON line when ready:
 * `{"masters":[...],"leader":"...","agents":[...],"admin":".../sim/v1"}`. Logs go to stderr. SIGTERM/SIGINT stop it
 * cleanly (exit 0); invalid options print the usage to stderr and exit 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseJson } from './json';
import { SimOptionsSchema, type SimOptions } from './options';
import { startCluster, type SimCluster } from './index';

const USAGE = `Usage: mesos-sim [options]

Cluster:
  --agents N               agents to seed (default 3)
  --tasks-per-agent N      running tasks per agent (default 2)
  --frameworks N           frameworks (default 1)
  --masters N              masters; one leads, the others redirect (default 1)
  --state FILE             load a saved GET_STATE response instead of seeding (rehearsal)
  --maintenance FILE       with --state: a saved GET_MAINTENANCE_SCHEDULE response
Network:
  --host HOST              address to listen on (default 127.0.0.1)
  --port N                 first master port; 0 = any free port (default 0)
  --credentials FILE       enable HTTP Basic auth; a Mesos credentials file (JSON {"credentials":[{principal,secret}]}
                           or lines "principal secret")
Time:
  --time-scale X           simulated seconds per real second (default 1)
  --seed N                 seed for IDs, timings and faults (default random)
  --heartbeat-interval S   SUBSCRIBE heartbeat interval, simulated seconds (default 15)
  --agent-return-delay S   delay before a machine's agent returns after STOP_MAINTENANCE (default 5)
Faults:
  --latency-ms N           added latency on every call, real milliseconds
  --error-rate P           probability (0..1) of an error status; --error-status N (default 503)
  --reset-rate P           probability of a connection reset
  --stall-rate P           probability of a response that never comes
  --response-lost-rate P   probability that a mutating call is applied but its response is lost
  --drop-stream-after-ms N cut SUBSCRIBE streams after N real milliseconds
  --fault-calls A,B        limit the faults above to these call types
  --failover-every S       fail the leader over every S simulated seconds
Other:
  --config FILE            JSON or YAML file with any option (camelCase keys, e.g. agentListenLimit)
  --help                   show this help
`;

const FLAGS = {
  agents: { type: 'string' },
  'tasks-per-agent': { type: 'string' },
  frameworks: { type: 'string' },
  masters: { type: 'string' },
  state: { type: 'string' },
  maintenance: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  credentials: { type: 'string' },
  'time-scale': { type: 'string' },
  seed: { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'agent-return-delay': { type: 'string' },
  'latency-ms': { type: 'string' },
  'error-rate': { type: 'string' },
  'error-status': { type: 'string' },
  'reset-rate': { type: 'string' },
  'stall-rate': { type: 'string' },
  'response-lost-rate': { type: 'string' },
  'drop-stream-after-ms': { type: 'string' },
  'fault-calls': { type: 'string' },
  'failover-every': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** A bad command line; `message` names the option and what it allows. */
class UsageError extends Error {}

function num(flag: string, raw: string | undefined, kind: 'int' | 'number' | 'rate', min = 0): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const okType = kind === 'int' ? Number.isInteger(n) : Number.isFinite(n);
  const okRange = kind === 'rate' ? n >= 0 && n <= 1 : n >= min;
  if (raw.trim() === '' || !okType || !okRange) {
    const allowed = kind === 'rate' ? 'a number from 0 to 1' : kind === 'int' ? `an integer >= ${min}` : `a number >= ${min}`;
    throw new UsageError(`invalid value for --${flag}: '${raw}' (allowed: ${allowed})`);
  }
  return n;
}

function readFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --${flag} file '${path}': ${(err as Error).message}`);
  }
}

/** Reads a Mesos credentials file (JSON or "principal secret" lines). */
export function readCredentials(text: string): { principal: string; secret: string }[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = z.object({ credentials: z.array(z.object({ principal: z.string(), secret: z.string() })) }).parse(JSON.parse(trimmed));
    return parsed.credentials;
  }
  return trimmed
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [principal = '', ...rest] = l.split(/\s+/);
      return { principal, secret: rest.join(' ') };
    });
}

/** Turns argv into SimOptions. @throws UsageError. */
export function parseCli(argv: string[]): SimOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  const s = (k: keyof typeof FLAGS): string | undefined => values[k] as string | undefined;
  let opts: Record<string, unknown> = {};
  const configPath = s('config');
  if (configPath !== undefined) {
    const text = readFile('config', configPath);
    try {
      opts = (configPath.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`invalid --config file '${configPath}': ${(err as Error).message}`);
    }
  }
  const set = (key: string, v: unknown): void => {
    if (v !== undefined) opts[key] = v;
  };
  set('agents', num('agents', s('agents'), 'int'));
  set('tasksPerAgent', num('tasks-per-agent', s('tasks-per-agent'), 'int'));
  set('frameworks', num('frameworks', s('frameworks'), 'int'));
  set('masters', num('masters', s('masters'), 'int', 1));
  set('port', num('port', s('port'), 'int'));
  set('host', s('host'));
  const ts = num('time-scale', s('time-scale'), 'number');
  if (ts !== undefined && ts <= 0) throw new UsageError(`invalid value for --time-scale: '${s('time-scale')}' (allowed: a number > 0)`);
  set('timeScale', ts);
  set('seed', num('seed', s('seed'), 'int'));
  set('heartbeatIntervalSeconds', num('heartbeat-interval', s('heartbeat-interval'), 'number', 0.001));
  set('agentReturnDelaySeconds', num('agent-return-delay', s('agent-return-delay'), 'number'));
  const statePath = s('state');
  if (statePath !== undefined) {
    try {
      opts.state = parseJson(readFile('state', statePath));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`invalid --state file '${statePath}': ${(err as Error).message}`);
    }
  }
  const mPath = s('maintenance');
  if (mPath !== undefined) opts.maintenanceSchedule = parseJson(readFile('maintenance', mPath));
  const credPath = s('credentials');
  if (credPath !== undefined) {
    try {
      opts.credentials = readCredentials(readFile('credentials', credPath));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`invalid --credentials file '${credPath}': ${(err as Error).message}`);
    }
  }
  const rule: Record<string, unknown> = {};
  const fset = (k: string, v: unknown): void => {
    if (v !== undefined) rule[k] = v;
  };
  fset('latencyMs', num('latency-ms', s('latency-ms'), 'number'));
  fset('errorRate', num('error-rate', s('error-rate'), 'rate'));
  fset('errorStatus', num('error-status', s('error-status'), 'int', 400));
  fset('resetRate', num('reset-rate', s('reset-rate'), 'rate'));
  fset('stallRate', num('stall-rate', s('stall-rate'), 'rate'));
  fset('responseLostRate', num('response-lost-rate', s('response-lost-rate'), 'rate'));
  fset('dropStreamAfterMs', num('drop-stream-after-ms', s('drop-stream-after-ms'), 'number'));
  const calls = s('fault-calls');
  const failoverEvery = num('failover-every', s('failover-every'), 'number', 0.001);
  if (Object.keys(rule).length > 0 || failoverEvery !== undefined) {
    if (calls !== undefined) rule.calls = calls.split(',').map((c) => c.trim());
    const faults = (opts.faults as { rules?: unknown[] } | undefined) ?? {};
    opts.faults = {
      ...faults,
      rules: [...(faults.rules ?? []), ...(Object.keys(rule).length > 0 ? [rule] : [])],
      ...(failoverEvery !== undefined ? { failoverEverySeconds: failoverEvery } : {}),
    };
  }
  const parsed = SimOptionsSchema.safeParse(opts);
  if (!parsed.success) throw new UsageError(`invalid options:\n${z.prettifyError(parsed.error)}`);
  return opts as SimOptions;
}

/** Runs the CLI; resolves when the cluster is up (the process keeps running until a signal). */
export async function main(argv: string[]): Promise<void> {
  let opts: SimOptions | 'help';
  try {
    opts = parseCli(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`mesos-sim: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts === 'help') {
    process.stderr.write(USAGE);
    return;
  }
  let cluster: SimCluster;
  try {
    cluster = await startCluster(opts);
  } catch (err) {
    process.stderr.write(`mesos-sim: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const warnings = cluster.runtime.rehearsal?.warnings ?? [];
  for (const w of warnings) process.stderr.write(`mesos-sim: warning: ${w}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`mesos-sim: ${signal}, stopping\n`);
    cluster.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`mesos-sim: stop failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  // Handlers first: a supervisor may send SIGTERM as soon as it reads the ready line.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.stdout.write(`${cluster.readyLine()}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`mesos-sim: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
