import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '../helpers/runbook-env';

// The newcomer's path, as printed: `npm run demo`, then every next step the demo prints and every CLI example of
// the README, run exactly as written in a new shell, then Ctrl-C, which must stop everything within 10 s.
const root = path.resolve(__dirname, '../..');

/** The README's block of CLI examples against the demo. */
function readmeExamples(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = /<!-- demo-examples:start -->\n```sh\n([\s\S]*?)```\n<!-- demo-examples:end -->/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no demo-examples block');
  return block.split('\n').filter((l) => l.trim() !== '');
}

describe('the demo and the steps it and the README print', () => {
  let dataDir: string;
  let demo: ChildProcess;
  let out = '';
  /** A new shell's environment: no configuration of ours, only where the demo keeps its data. */
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'mr-demo-'));
    env = { PATH: process.env.PATH, HOME: process.env.HOME, MESOS_RUNBOOKS_DATA: dataDir, MESOS_RUNBOOKS_CACHE: process.env.MESOS_RUNBOOKS_CACHE, USER: 'newcomer' };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    demo = spawn(process.execPath, [path.join(root, 'bin/mesos-runbooks.js'), 'demo'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    demo.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    demo.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 240_000;
    while (!out.includes('Press Ctrl-C to stop.')) {
      if (demo.exitCode !== null) throw new Error(`the demo exited early (${demo.exitCode}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`the demo did not get ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 300_000);

  afterAll(async () => {
    if (demo && demo.exitCode === null) {
      demo.kill('SIGKILL');
      await new Promise((r) => demo.once('exit', r));
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** One line as a new shell runs it, from the project folder (or `cwd`). */
  function shell(line: string, cwd = root): { code: number; stdout: string; stderr: string } {
    const r = spawnSync('bash', ['-c', line], { cwd, env, encoding: 'utf8', timeout: 180_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
  const ok = (line: string, cwd?: string) => {
    const r = shell(line, cwd);
    if (r.code !== 0) throw new Error(`'${line}' exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };

  it('ran drainAgent to the end and printed its Web UI link and the next steps', () => {
    expect(out).toMatch(/✔ drainAgent finished: \{.*"finalState":"REACTIVATED"/);
    expect(out).toMatch(/Web UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/drainAgent%2Fdefault%2Fagent-1\.sim\.local\/[\w-]+\/history/);
    expect(out).toContain('tab "User Metadata"');
    expect(out).not.toMatch(/^\s+at /m); // no stack traces
  });

  it('every README example of our CLI runs against the demo as written', () => {
    const lines = readmeExamples();
    expect(lines.length).toBeGreaterThanOrEqual(8);
    const outputs = lines.map((line) => ({ line, stdout: ok(line) }));
    const of = (cmd: RegExp) => outputs.find((o) => cmd.test(o.line))!.stdout;
    expect(of(/ runbooks$/)).toMatch(/^drainAgent \(destructive\)$/m);
    expect(of(/ plan agentMaintenance/)).toMatch(/: ready$/m);
    expect(of(/ start agentMaintenance/)).toMatch(/^started agentMaintenance\/default\/agent-3\.sim\.local /m);
    expect(of(/ status agentMaintenance/)).toMatch(/phase: (awaiting approval|preflight|lease|approval)/);
    expect(of(/ approve /)).toMatch(/^approved /);
    expect(of(/ complete /)).toMatch(/^work complete/);
    expect(outputs.filter((o) => / watch agentMaintenance\/default\/agent-3\.sim\.local$/.test(o.line))[0]!.stdout).toMatch(/^finished: .*"outcome":"completed"/m);
    expect(of(/ start drainAgent .* --watch$/)).toMatch(/^finished: .*"finalState":"REACTIVATED"/m);
    expect(of(/ status --all$/)).toMatch(/agentMaintenance\/default\/agent-3\.sim\.local\s+COMPLETED/);
  }, 300_000);

  it('the next steps the demo printed run as printed: our CLI lines, the export, and the temporal line', () => {
    const printed = out.split('\n').map((l) => l.trim());
    const cli = printed.filter((l) => l.startsWith('npx mesos-runbooks '));
    expect(cli.length).toBeGreaterThanOrEqual(3);
    for (const line of cli) ok(line);
    const elsewhere = printed.find((l) => /^from any folder:\s+export /.test(l))!.replace(/^from any folder:\s+/, '');
    expect(elsewhere).toBe(`${elsewhere.split(';')[0]}; node ${path.join(root, 'bin/mesos-runbooks.js')} status --all`);
    expect(elsewhere).toMatch(/^export MESOS_RUNBOOKS_CONFIG=\/\S+\/mesos-runbooks\.yaml; /);
    expect(ok(elsewhere, os.tmpdir())).toMatch(/drainAgent\/default\/agent-1\.sim\.local/);
    const temporal = printed.find((l) => / workflow start --address /.test(l))!;
    expect(temporal).toMatch(/^\/\S+\/temporal workflow start --address 127\.0\.0\.1:\d+ --task-queue mesos-runbooks --type drainAgent --workflow-id drainAgent\/default\/agent-5\.sim\.local --input '/);
    expect(ok(temporal)).toMatch(/Running execution/);
    expect(ok('npx mesos-runbooks watch drainAgent/default/agent-5.sim.local')).toMatch(/^finished: .*"finalState":"DRAINED"/m);
  }, 300_000);

  it('stops within 10 s of Ctrl-C (twice, as npm run forwards it), the worker first, the dev server too, and removes its configuration', async () => {
    const address = /--address (127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(address).toBeDefined();
    const sent = Date.now();
    demo.kill('SIGINT');
    // npm's copy arrives a moment after the terminal's: once the demo is stopping.
    await eventually('the demo to be stopping', () => out.includes('stopping (the worker drains'), 5_000);
    demo.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => demo.once('exit', (c) => resolve(c)));
    const tookMs = Date.now() - sent;
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    expect(out).toMatch(/stopping the worker \(it drains first\)\.\.\.[\s\S]*stopping the Temporal dev server\.\.\.[\s\S]*stopped/);
    // The dev server (a process group of its own) is gone: nothing answers on its port.
    const [host, port] = address!.split(':');
    await expect(new Promise((resolve, reject) => connect(Number(port), host!).once('connect', resolve).once('error', reject))).rejects.toThrow(/ECONNREFUSED/);
    expect(out).not.toMatch(/connection refused/i);
    expect(shell('npx mesos-runbooks status').stderr).toMatch(/no cluster is configured: give --config <file>/);
  }, 30_000);
});
