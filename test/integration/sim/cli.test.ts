/** The mesos-sim command line: the ready line, a request, a clean SIGTERM exit, bad options. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { callApi } from '../../helpers/sim';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'src', 'sim', 'cli.ts');

function run(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

async function readyLine(p: ReturnType<typeof run>): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (!p.stdout().includes('\n')) {
    if (Date.now() > deadline || p.child.exitCode !== null) throw new Error(`no ready line; stderr: ${p.stderr()}`);
    await once(p.child.stdout!, 'data');
  }
  return p.stdout();
}

describe('mesos-sim CLI', () => {
  it('prints exactly one JSON ready line, serves requests, exits 0 on SIGTERM', async () => {
    const p = run(['--agents', '5', '--tasks-per-agent', '3', '--port', '0', '--masters', '2', '--seed', '3']);
    try {
      const out = await readyLine(p);
      const lines = out.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      const ready = JSON.parse(lines[0] as string) as { masters: string[]; leader: string; agents: string[]; admin: string };
      expect(ready.masters).toHaveLength(2);
      expect(ready.masters).toContain(ready.leader);
      expect(ready.agents).toHaveLength(5);
      expect(ready.admin).toBe(`${ready.leader}/sim/v1`);
      for (const u of ready.masters) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const u of ready.agents) expect(u).toMatch(/^http:\/\/127\.\d+\.\d+\.\d+:\d+$/); // each agent on its own loopback address
      const r = await callApi(ready.leader, { type: 'GET_TASKS' });
      expect(r.status).toBe(200);
      expect((r.json as { get_tasks: { tasks: unknown[] } }).get_tasks.tasks).toHaveLength(15);
      const agent = await callApi(ready.agents[0] as string, { type: 'GET_HEALTH' });
      expect(agent.status).toBe(200);
    } finally {
      p.child.kill('SIGTERM');
    }
    const [code] = (await once(p.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(p.stdout().trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 with usage naming the bad option and the allowed values', async () => {
    const p = run(['--agents', 'many']);
    const [code] = (await once(p.child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(p.stderr()).toContain("invalid value for --agents: 'many' (allowed: an integer >= 0)");
    expect(p.stderr()).toContain('Usage: mesos-sim');
    expect(p.stdout()).toBe('');
    const q = run(['--bogus']);
    const [code2] = (await once(q.child, 'exit')) as [number | null];
    expect(code2).toBe(2);
    expect(q.stderr()).toMatch(/bogus/);
  });
});

describe('mesos-sim CLI files', () => {
  it('reads --config (YAML) and --credentials, and enforces Basic auth', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    try {
      writeFileSync(join(dir, 'sim.yaml'), 'agents: 2\ntasksPerAgent: 1\nagentReturnDelaySeconds: 1\n');
      writeFileSync(join(dir, 'creds.json'), JSON.stringify({ credentials: [{ principal: 'ops', secret: 'pw' }] }));
      const p = run(['--config', join(dir, 'sim.yaml'), '--credentials', join(dir, 'creds.json'), '--time-scale', '50']);
      try {
        const ready = JSON.parse((await readyLine(p)).trim()) as { leader: string; agents: string[] };
        expect(ready.agents).toHaveLength(2);
        expect((await callApi(ready.leader, { type: 'GET_HEALTH' })).status).toBe(401);
        const ok = await callApi(ready.leader, { type: 'GET_TASKS' }, { authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` });
        expect(ok.status).toBe(200);
        expect((ok.json as { get_tasks: { tasks: unknown[] } }).get_tasks.tasks).toHaveLength(2);
      } finally {
        p.child.kill('SIGTERM');
      }
      const [code] = (await once(p.child, 'exit')) as [number | null];
      expect(code).toBe(0);
      const bad = run(['--config', join(dir, 'missing.yaml')]);
      const [badCode] = (await once(bad.child, 'exit')) as [number | null];
      expect(badCode).toBe(2);
      expect(bad.stderr()).toContain('cannot read --config file');
      const badKey = join(dir, 'bad.yaml');
      writeFileSync(badKey, 'agentz: 3\n');
      const bad2 = run(['--config', badKey]);
      const [badCode2] = (await once(bad2.child, 'exit')) as [number | null];
      expect(badCode2).toBe(2);
      expect(bad2.stderr()).toMatch(/agentz/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
