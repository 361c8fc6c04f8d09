/**
 * Mesos's own Python CLI (avmesos-cli) as a second, independent client of the simulator: it reads the v0 pages
 * (`/slaves`, `/master/frameworks/`, `/tasks`) and runs `task exec` through LAUNCH_NESTED_CONTAINER_SESSION and
 * WAIT_CONTAINER on the task's agent, found from `/slaves` pids and `statuses[0].container_status.container_id`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type SimCluster } from '../helpers/sim';
import { ensureMesosCli, mesosCli, type MesosCli } from './mesos-cli';

let cli: MesosCli;
let sim: SimCluster;
let dir: string;
let config: string;

beforeAll(async () => {
  const [c, s] = await Promise.allSettled([ensureMesosCli(), startTestCluster({ agents: 2, tasksPerAgent: 2, frameworks: 2, timeScale: 10 })]);
  if (s.status === 'fulfilled') sim = s.value;
  if (c.status === 'rejected') throw c.reason;
  if (s.status === 'rejected') throw s.reason;
  cli = c.value;
  sim = s.value;
  dir = mkdtempSync(join(tmpdir(), 'mesos-cli-'));
  config = join(dir, 'config.toml');
  writeFileSync(config, `[master]\naddress = "${new URL(sim.leader).host}"\n`);
}, 300_000);

afterAll(async () => {
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The rows of a table the CLI printed (header dropped), split on runs of spaces. */
const rows = (out: string): string[][] => out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s{2,}/));

describe("Mesos's own CLI (avmesos-cli 1.3.0) against the simulator", () => {
  it('agent list: every registered agent with its hostname, active', async () => {
    const r = await mesosCli(cli, config, ['agent', 'list']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const expected = sim.model.registeredAgents().map((a) => [a.id, a.hostname, 'True']);
    expect(rows(r.stdout).sort()).toEqual(expected.sort());
  });

  it('framework list: every active framework', async () => {
    const r = await mesosCli(cli, config, ['framework', 'list']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const expected = [...sim.model.frameworks.values()].map((f) => [f.id, 'True', 'sim.local', f.name]);
    expect(rows(r.stdout).sort()).toEqual(expected.sort());
  });

  it('task list: every running task', async () => {
    const r = await mesosCli(cli, config, ['task', 'list']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const expected = [...sim.model.tasks.values()].map((t) => [t.id, 'TASK_RUNNING', t.frameworkId]);
    expect(rows(r.stdout).sort()).toEqual(expected.sort());
  });

  it("task exec: runs a command in the task's container, prints its output, exits with its exit code", async () => {
    const task = [...sim.model.tasks.values()][0]!;
    const ok = await mesosCli(cli, config, ['task', 'exec', task.id, 'sh', '-c', 'echo "in $MESOS_SANDBOX"; echo to-stderr >&2']);
    expect([ok.code, ok.stderr]).toEqual([0, 'to-stderr\n']);
    expect(ok.stdout).toMatch(new RegExp(`^in .*/runs/${task.container!.id}/containers/[0-9a-f-]{36}\\n$`));
    const failed = await mesosCli(cli, config, ['task', 'exec', task.id, 'sh', '-c', 'exit 7']);
    expect(failed.code).toBe(7);
    const noTty = await mesosCli(cli, config, ['task', 'exec', task.id, 'tty']);
    expect([noTty.code, noTty.stdout]).toEqual([1, 'not a tty\n']);
  });

  it('task exec -t: the command gets a terminal (a pty), one output stream', async () => {
    const task = [...sim.model.tasks.values()][1]!;
    const r = await mesosCli(cli, config, ['task', 'exec', '-t', task.id, 'sh', '-c', 'tty; echo err >&2; exit 3'], { tty: true });
    expect(r.code).toBe(3);
    // The remote terminal writes \r\n; the local one (the CLI's own pty here) adds its own \r.
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r+\nerr\r+\n$/);
  });
});
