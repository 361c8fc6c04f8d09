import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { catalog } from '../../src/catalog';
import { PolicySchema } from '../../src/config';
import { terminalSummary } from '../../src/rehearsal/render';
import { rehearse } from '../../src/rehearsal/rehearse';
import type { RehearsalReport } from '../../src/rehearsal/report';
import { SNAPSHOT_FILES } from '../../src/rehearsal/snapshot';
import { parseJson, startCluster, type SimCluster } from '../../src/sim';
import { bundleInChildProcess } from '../../src/temporal/bundle';
import { runCli } from '../helpers/cli';

/**
 * `mesos-runbooks snapshot` and `rehearse` as an operator types them (processes of their own), the approvals a
 * rehearsal answers (automatically, at the terminal), and every runbook of the catalog rehearsed from one snapshot.
 */
describe('rehearsal: the CLI, approvals and the catalog', () => {
  const SECRET = 'pw-snapshot-77c1e';
  const ENV_SECRET = 'env-value-db-password-31f';
  let prod: SimCluster;
  let dir: string;
  let configFile: string;
  let bundle: string;
  const env = { ...process.env, PROD_MESOS_SECRET: SECRET };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-cli-'));
    // "Production": a cluster whose tasks carry labels, a command line and an environment with a secret in it — and
    // a label holding the cluster's own password (what --no-redact must still scrub).
    const bundling = bundleInChildProcess(require.resolve('../../runbooks'));
    const seeded = await startCluster({ agents: 4, tasksPerAgent: 2, seed: 3 });
    const state = parseJson(await (await fetch(`${seeded.leader}/api/v1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"GET_STATE"}' })).text()) as {
      get_state: { get_tasks: { tasks: Record<string, unknown>[] } };
    };
    await seeded.stop();
    // (The simulator writes a loaded task's fields it does not model back verbatim; it does not keep loaded
    // executors, so the command line and its environment ride on the task.)
    const tasks = state.get_state.get_tasks.tasks;
    tasks[0]!.labels = { labels: [{ key: 'team', value: 'payments' }, { key: 'vault-token', value: `token-${SECRET}` }] };
    tasks[1]!.command = { value: './run --db-password=hunter2-cmdline', environment: { variables: [{ name: 'DB_PASSWORD', value: ENV_SECRET }] } };
    prod = await startCluster({ state, credentials: [{ principal: 'ops', secret: SECRET }], seed: 3 });
    configFile = path.join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ temporal: { address: '127.0.0.1:1' }, clusters: { prod: { masters: prod.masters, credentials: { kind: 'basic', principal: 'ops', secret: { env: 'PROD_MESOS_SECRET' } } } } }),
    );
    bundle = await bundling;
  });
  afterAll(async () => {
    await prod?.stop();
    if (bundle) rmSync(path.dirname(bundle), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const filesOf = (snap: string) => readdirSync(snap).map((f) => [f, readFileSync(path.join(snap, f), 'utf8')] as const);

  it('snapshot writes the seven responses and its manifest, redacted by default, with no credential', async () => {
    const snap = path.join(dir, 'redacted');
    const r = await runCli(configFile, ['snapshot', '--cluster', 'prod', '-o', snap], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`snapshot of prod in ${snap}`);
    expect(r.stdout).toContain('4 agents, 1 frameworks, 8 tasks');
    expect(r.stdout).toMatch(/redacted: .*labels ×/);
    expect(readdirSync(snap).sort()).toEqual([...Object.values(SNAPSHOT_FILES), 'snapshot.json'].sort());
    for (const [call, file] of Object.entries(SNAPSHOT_FILES)) expect((parseJson(readFileSync(path.join(snap, file), 'utf8')) as { type: string }).type).toBe(call);
    const all = filesOf(snap).map(([, text]) => text).join('\n');
    for (const secret of [SECRET, ENV_SECRET, 'hunter2-cmdline', 'payments', 'DB_PASSWORD']) expect(all).not.toContain(secret);
    const responses = filesOf(snap).filter(([f]) => f !== 'snapshot.json').map(([, text]) => text).join('\n');
    expect(responses).not.toMatch(/"(environment|labels|command)"/); // (reservations' labels would be kept: none here)
    const manifest = JSON.parse(readFileSync(path.join(snap, 'snapshot.json'), 'utf8')) as { redacted: boolean; principal: string; redactions: Record<string, number>; masters: string[] };
    expect(manifest).toMatchObject({ redacted: true, principal: 'ops', masters: prod.masters });
    expect(Object.keys(manifest.redactions)).toEqual(expect.arrayContaining(['labels', 'command lines (CommandInfo: value, arguments, environment, URIs)']));
  });

  it('--no-redact keeps environments, labels and command lines, and still writes no credential', async () => {
    const snap = path.join(dir, 'unredacted');
    const r = await runCli(configFile, ['snapshot', '--cluster', 'prod', '-o', snap, '--no-redact'], env);
    expect(r.code).toBe(0);
    const all = filesOf(snap).map(([, text]) => text).join('\n');
    expect(all).toContain('payments');
    expect(all).toContain(ENV_SECRET); // the workload's own values are the operator's choice to keep
    expect(all).toContain('hunter2-cmdline');
    expect(all).not.toContain(SECRET); // the label held the cluster's password: scrubbed
    expect(all).toContain('token-<redacted>');
  });

  it('bad input gives clear errors naming the field: unknown runbook, missing snapshot, bad --speed, bad input', async () => {
    const snap = path.join(dir, 'redacted');
    const input = '{"cluster":"prod","hostname":"agent-1.sim.local","reason":"r"}';
    const [unknown, missing, speedZero, speedWord, badInput, noInput] = await Promise.all([
      runCli(configFile, ['rehearse', 'drainAgnet', '-s', snap, '-i', input], env),
      runCli(configFile, ['rehearse', 'drainAgent', '-s', path.join(dir, 'nope'), '-i', input], env),
      runCli(configFile, ['rehearse', 'drainAgent', '-s', snap, '-i', input, '--speed', '0'], env),
      runCli(configFile, ['rehearse', 'drainAgent', '-s', snap, '-i', input, '--speed', 'fast'], env),
      runCli(configFile, ['rehearse', 'drainAgent', '-s', snap, '-i', '{"cluster":"prod","hostname":"agent-1.sim.local"}'], env),
      runCli(configFile, ['rehearse', 'drainAgent', '-s', snap], env),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/drainAgnet/);
    for (const name of catalog().keys()) expect(unknown.stderr).toContain(name);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--snapshot: cannot read ${path.join(dir, 'nope', 'snapshot.json')}`);
    for (const r of [speedZero, speedWord]) {
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/--speed/);
    }
    expect(speedWord.stderr).toContain("'fast'");
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toMatch(/reason/);
    expect(noInput.code).toBe(2);
    expect(noInput.stderr).toMatch(/--input/);
  });

  it('rehearse prints the summary and writes the Markdown and JSON reports', async () => {
    const snap = path.join(dir, 'redacted');
    const out = path.join(dir, 'reports-cli');
    const r = await runCli(configFile, ['rehearse', 'drainAgent', '-s', snap, '-o', out, '-i', '{"cluster":"prod","hostname":"agent-2.sim.local","reason":"kernel upgrade","maxGracePeriodSeconds":60,"reactivate":true}'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Rehearsal of drainAgent on prod');
    expect(r.stdout).toContain('Outcome: done');
    expect(r.stdout).toMatch(/Mesos changes: 2 \(DRAIN_AGENT ×1, REACTIVATE_AGENT ×1\)/);
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    const report = JSON.parse(readFileSync(path.join(out, files.find((f) => f.endsWith('.json'))!), 'utf8')) as RehearsalReport;
    expect(report.mesosCalls.map((c) => c.call)).toEqual(['DRAIN_AGENT', 'REACTIVATE_AGENT']);
    const md = readFileSync(path.join(out, files.find((f) => f.endsWith('.md'))!), 'utf8');
    expect(md).toContain('# Rehearsal: drainAgent on prod');
    expect(md).toContain('## Machines out over time');
    expect(md).toContain('agent-2.sim.local');
  });

  describe('approvals it would wait for', () => {
    const input = { cluster: 'prod', hostname: 'agent-2.sim.local', reason: 'kernel upgrade', maxGracePeriodSeconds: 5, reactivate: true, requireApproval: true };
    // Four eyes, two approvals, from the policy's approvers: the rehearsal approves as two of them, never as the initiator.
    const policy = PolicySchema.parse({ approvers: ['alice', 'bob', 'carol'], fourEyes: true, requiredApprovals: 2 });
    const questions: string[] = [];
    let automatic: RehearsalReport;
    let declined: RehearsalReport;
    let impossible: RehearsalReport;

    beforeAll(async () => {
      const common = { runbook: 'drainAgent', input, snapshotDir: path.join(dir, 'redacted'), speed: 60, initiator: 'alice', workflowBundlePath: bundle, outDir: path.join(dir, 'reports-approvals') };
      // Three worlds at once: none shares anything with another.
      [automatic, declined, impossible] = (
        await Promise.all([
          rehearse({ ...common, policy }),
          rehearse({ ...common, policy, prompter: { ask: (q) => (questions.push(q), Promise.resolve('n')) } }),
          rehearse({ ...common, policy: PolicySchema.parse({ approvers: ['alice', 'bob'], fourEyes: true, requiredApprovals: 2 }) }),
        ])
      ).map((x) => x.report);
    }, 60_000);

    it("answered automatically, as the policy's approvers other than the initiator", () => {
      expect(automatic.outcome).toBe('done');
      expect(automatic.approvals).toEqual([expect.objectContaining({ required: 2, approvers: ['alice', 'bob', 'carol'], outcome: 'approved', by: ['bob', 'carol'] })]);
      expect(automatic.predicted.humanWaits.approvals).toBe(1);
      expect(automatic.mesosCalls.map((c) => `${c.call} ${c.hostname}`)).toEqual(['DRAIN_AGENT agent-2.sim.local', 'REACTIVATE_AGENT agent-2.sim.local']);
      expect(terminalSummary(automatic)).toContain('Approvals it waits for: 1');
    });

    it('--interactive: asked at the terminal; declined, the run is aborted before any change', () => {
      expect(questions).toEqual([expect.stringMatching(/^drainAgent\/prod\/agent-2\.sim\.local asks for approval: .*Approve\? \[y\/N\] $/)]);
      expect(declined.approvals).toEqual([expect.objectContaining({ outcome: 'declined', by: [] })]);
      expect(declined.outcome).toBe('aborted');
      expect(declined.mesosCalls).toEqual([]);
    });

    it('a policy no one can satisfy: the rehearsal says the run would wait for ever', () => {
      expect(impossible.approvals).toEqual([expect.objectContaining({ outcome: 'impossible', note: expect.stringContaining('a real run would wait here for ever') })]);
      expect(impossible.outcome).toBe('stuck');
      expect(impossible.mesosCalls).toEqual([]);
    });
  });

  it('every runbook of the catalog rehearses (its example input)', async () => {
    const snap = path.join(dir, 'redacted');
    const entries = [...catalog().values()];
    const reports = new Map<string, RehearsalReport>();
    // Two worlds at a time: each rehearsal has its own simulator, dev server and worker.
    const queue = [...entries];
    await Promise.all(
      [0, 1].map(async () => {
        for (let e = queue.shift(); e; e = queue.shift()) {
          const { report } = await rehearse({ runbook: e.name, input: { cluster: 'prod', ...e.example }, snapshotDir: snap, speed: 60, initiator: 'alice', workflowBundlePath: bundle, workMinutes: 5, outDir: path.join(dir, 'reports-catalog'), timeoutMinutes: 2 });
          reports.set(e.name, report);
        }
      }),
    );
    const outcomes = Object.fromEntries([...reports].map(([name, r]) => [name, `${r.outcome}${r.failure ? `: ${r.failure.message}` : ''}`]));
    expect(Object.keys(outcomes).sort()).toEqual(entries.map((e) => e.name).sort());
    // resizeVolume's example resizes a volume this cluster does not have: the rehearsal says it would fail, and why.
    expect(outcomes.resizeVolume).toMatch(/^failed: .*pg-data/);
    for (const [name, r] of reports) {
      if (name !== 'resizeVolume') expect({ name, outcome: outcomes[name] }).toEqual({ name, outcome: 'done' });
      expect(r.runs.length).toBeGreaterThan(0);
      expect(r.predicted.seconds).toBeGreaterThan(0);
    }
    // Each changed the copy of the cluster as its runbook does.
    expect(reports.get('updateWeights')!.mesosCalls.map((c) => c.call)).toEqual(['UPDATE_WEIGHTS']);
    expect(reports.get('drainAgent')!.mesosCalls.map((c) => c.call)).toEqual(['DRAIN_AGENT', 'REACTIVATE_AGENT']);
  }, 120_000);
});

