import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runbookNames } from '../catalog';
import { PolicySchema, type PolicyConfig } from '../config';
import { parseExitModel } from '../rehearsal/exit-model';
import { terminalSummary } from '../rehearsal/render';
import { rehearse } from '../rehearsal/rehearse';
import { defaultSnapshotDir, takeSnapshot } from '../rehearsal/snapshot';
import { RunbookInputError } from '../temporal/control';
import type { CliContext } from './context';
import { positiveInt, positiveNumber } from './options';

/** Errors that refuse before anything ran (exit 2), besides the CLI's own. */
const REFUSED = new Set(['INVALID_INPUT', 'SNAPSHOT_INVALID', 'REHEARSAL_INVALID', 'CONFIG_INVALID']);

/** Runs `fn`; a refusal prints its message (JSON with --json) and exits 2; other errors go to the CLI's handler. */
async function refusing(json: boolean, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!code || !REFUSED.has(code)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(json ? `${JSON.stringify({ error: { code, message } })}\n` : `${message}\n`);
    process.exitCode = 2;
  }
}

/** `mesos-runbooks snapshot --cluster <name> [-o <dir>]`: what a rehearsal needs from a real cluster. */
export function snapshotCommand(ctx: CliContext): Command {
  return new Command('snapshot')
    .description('Save what a rehearsal needs from a cluster: GET_STATE, the maintenance schedule and status, quota, weights, flags, version')
    .requiredOption('--cluster <name>', 'the configured cluster to read (read only: nothing is changed)')
    .option('-o, --out <dir>', 'the folder to write (default: snapshots/<cluster>-<UTC time>)')
    .option('--redact', 'strip task and executor environments, labels and command lines (the default)')
    .option('--no-redact', 'keep task environments, labels and command lines (credentials are never written)')
    .option('--json', 'print the manifest as JSON', false)
    .addHelpText(
      'after',
      `
Reads the leading master with the cluster's configured credentials and writes one file per call plus snapshot.json
(the manifest: when, which masters, Mesos version, what was redacted). By default task and executor environments,
labels and command lines are stripped; credentials never reach a file: the configured secrets are scrubbed from
every value, user:password@ is cut from URLs, and master flags naming credentials are written <redacted>.

Example (against the demo):
  mesos-runbooks snapshot --cluster default -o .data/snapshots/demo
Then rehearse a runbook on it:
  mesos-runbooks rehearse drainAgent --snapshot .data/snapshots/demo -i '{"hostname":"agent-2.sim.local","reason":"kernel upgrade","reactivate":true}'`,
    )
    .action(async (opts: { cluster: string; out?: string; redact?: boolean; json: boolean }) => {
      await refusing(opts.json, async () => {
        const config = ctx.config();
        const dir = opts.out ?? defaultSnapshotDir(opts.cluster);
        const { manifest } = await takeSnapshot({ config, cluster: opts.cluster, outDir: dir, redact: opts.redact !== false });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ dir, ...manifest }, null, 2)}\n`);
          return;
        }
        const redactions = Object.entries(manifest.redactions).map(([what, n]) => `${what} ×${n}`).join(', ');
        process.stdout.write(
          `snapshot of ${manifest.cluster} in ${dir}\n` +
            `  ${manifest.counts.agents} agents, ${manifest.counts.frameworks} frameworks, ${manifest.counts.tasks} tasks, ${manifest.counts.scheduledMachines} machine(s) in the maintenance schedule (${manifest.counts.downMachines} DOWN)${manifest.mesosVersion ? `; Mesos ${manifest.mesosVersion}` : ''}\n` +
            `  ${manifest.redacted ? 'redacted' : 'not redacted (--no-redact)'}${redactions ? `: ${redactions}` : ''}; no credential written\n` +
            `rehearse a runbook on it: mesos-runbooks rehearse <runbook> --snapshot ${dir} -i '<input>'\n`,
        );
      });
    });
}

const STUCK_ANSWERS = ['abort', 'skip'] as const;

/** `mesos-runbooks rehearse <runbook> --snapshot <dir> -i <input>`: the run against a copy of the cluster. */
export function rehearseCommand(ctx: CliContext): Command {
  return new Command('rehearse')
    .description('Rehearse a runbook against a snapshot: the same input on a simulated copy of the cluster, faster than real time; report every call, batch, gate, approval and the predicted duration')
    .argument('<runbook>', `one of: ${runbookNames().join(', ')}`)
    .requiredOption('-s, --snapshot <dir>', 'a folder written by `mesos-runbooks snapshot`')
    .option('-i, --input <json>', 'the input, exactly as you would start the run with')
    .option('-f, --input-file <file>', 'read the input from a JSON file')
    .addOption(new Option('--speed <factor>', 'simulated seconds per real second: the cluster and the run\'s own timers (soaks, deadlines, windows, work) alike').default(60).argParser(positiveNumber('--speed')))
    .option('--interactive', 'ask at the terminal for each approval and each stuck wait instead of answering automatically', false)
    .addOption(new Option('--work-minutes <n>', 'how long the operator\'s work takes where a run waits for `complete` (simulated minutes)').default(0).argParser(nonNegative('--work-minutes')))
    .addOption(new Option('--on-stuck <answer>', 'what the rehearsal answers a wait stuck past its deadline').choices([...STUCK_ANSWERS]).default('abort'))
    .option('--exit-times <json>', 'how long tasks take to stop after SIGTERM, per framework: {"default":"grace","frameworks":{"marathon":5}} (default: every task waits for SIGKILL at its grace period\'s end)')
    .option('--at <time>', 'the time the run starts at, ISO with its zone (maps the window onto the rehearsal; default now)')
    .addOption(new Option('--agent-return-seconds <s>', 'how long a machine\'s agent takes to come back after STOP_MAINTENANCE (simulated seconds)').default(5).argParser(nonNegative('--agent-return-seconds')))
    .option('-o, --out <dir>', 'where the report files go (default: <snapshot>/rehearsals)')
    .addOption(new Option('--timeout <minutes>', 'give up after this many real minutes').default(30).argParser(positiveInt('--timeout')))
    .option('--json', 'print the report as JSON instead of the summary', false)
    .addHelpText(
      'after',
      `
Nothing reaches the real cluster: the rehearsal starts its own simulator (loaded from the snapshot), Temporal dev
server and worker, all on 127.0.0.1, and has no credential of the cluster. From your configuration it takes the
approval policy only, to predict the approvals a run waits for (they are answered automatically, or at the
terminal with --interactive). URLs the input names (a health check, a work webhook) are answered by the rehearsal.

It reports every Mesos call in order with its answer, each batch and gate (which would block, why, for how long),
approvals, failures, the machines out over time and the predicted duration in real time; files: <runbook>-<time>.md
(pastes into a ticket) and .json. Exit code 0 when the run would finish, 1 when it would fail, be stuck or abort,
2 for a bad input or snapshot. More, with a worked example: docs/rehearsal.md.

Examples (against the demo, after: mesos-runbooks snapshot --cluster default -o .data/snapshots/demo):
  mesos-runbooks rehearse drainAgent -s .data/snapshots/demo -i '{"hostname":"agent-2.sim.local","reason":"kernel upgrade","reactivate":true}'
  mesos-runbooks rehearse agentMaintenance -s .data/snapshots/demo --interactive --work-minutes 45 --exit-times '{"default":"grace","frameworks":{"marathon":5}}' -i '{"hostname":"agent-3.sim.local","reason":"disk swap"}'
  mesos-runbooks rehearse rollingMaintenance -s .data/snapshots/demo --speed 120 -i '{"agents":{"all":true},"groupBy":"zone","batchSize":2,"soakSeconds":600,"gates":{"minActiveShare":0.5},"reason":"kernel upgrade","perAgent":{"runbook":"drainAgent","maxGracePeriodSeconds":30,"reactivate":true}}'`,
    )
    .action(async (runbook: string, opts: { snapshot: string; input?: string; inputFile?: string; speed: number; interactive: boolean; workMinutes: number; onStuck: (typeof STUCK_ANSWERS)[number]; exitTimes?: string; at?: string; agentReturnSeconds: number; out?: string; timeout: number; json: boolean }) => {
      await refusing(opts.json, async () => {
        const input = parseInput(runbook, opts);
        if (opts.at !== undefined && !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(opts.at)) throw new RunbookInputError(runbook, [`--at: '${opts.at}' is not an ISO time with its zone, e.g. 2026-12-08T22:00:00+01:00`]);
        const rl = opts.interactive ? createInterface({ input: process.stdin, output: process.stderr }) : undefined;
        try {
          const { report, files } = await rehearse({
            runbook,
            input,
            snapshotDir: opts.snapshot,
            speed: opts.speed,
            initiator: ctx.user(),
            policy: policyOf(ctx),
            ...(opts.exitTimes ? { exitModel: parseExitModel(opts.exitTimes) } : {}),
            workMinutes: opts.workMinutes,
            onStuck: opts.onStuck,
            ...(rl ? { prompter: { ask: (q: string) => rl.question(q) } } : {}),
            timeoutMinutes: opts.timeout,
            ...(opts.at ? { at: opts.at } : {}),
            agentReturnSeconds: opts.agentReturnSeconds,
            ...(opts.out ? { outDir: opts.out } : {}),
            log: (line) => process.stderr.write(`${line}\n`),
          });
          process.stdout.write(opts.json ? `${JSON.stringify({ ...report, files }, null, 2)}\n` : terminalSummary(report, files));
          if (report.outcome !== 'done' && report.outcome !== 'planned') process.exitCode = 1;
        } finally {
          rl?.close();
        }
      });
    });
}

/** The approval policy of the operator's configuration, or the default one when there is none. */
function policyOf(ctx: CliContext): PolicyConfig {
  try {
    return ctx.config().policy;
  } catch (err) {
    if ((err as { code?: string }).code !== 'CONFIG_INVALID' || !/no configuration/.test((err as Error).message)) throw err;
    process.stderr.write('(no configuration: the default approval policy — anyone approves, one approval)\n');
    return PolicySchema.parse({});
  }
}

function parseInput(runbook: string, opts: { input?: string; inputFile?: string }): Record<string, unknown> {
  if (opts.input && opts.inputFile) throw new RunbookInputError(runbook, ['give --input or --input-file, not both']);
  if (!opts.input && !opts.inputFile) throw new RunbookInputError(runbook, ['--input: the run\'s input, e.g. -i \'{"hostname":"agent-2.sim.local","reason":"kernel upgrade"}\'']);
  const text = opts.inputFile ? readFileSync(opts.inputFile, 'utf8') : opts.input!;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RunbookInputError(runbook, [`input: not valid JSON: ${(err as Error).message}`]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RunbookInputError(runbook, ['input: must be a JSON object']);
  return value as Record<string, unknown>;
}

function nonNegative(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a number, 0 or more, got '${value}'.`);
    return n;
  };
}
