import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';
import { runbookEnv, type RunbookEnv } from '../helpers/runbook-env';
import { temporalAddress } from '../helpers/temporal';

// The CLI's commands of issue 12 as an operator runs them (the process, its output and its exit code), against the
// real dev server, the worker and a simulated cluster: list, history, status filters, freeze, schedules, --json.
describe('mesos-runbooks CLI: list, history, status, freeze, schedules, --json', () => {
  let env: RunbookEnv;
  let configFile: string;
  const scheduleId = `cli-${process.pid}-${Date.now().toString(36)}`;
  beforeAll(async () => {
    env = await runbookEnv({ agents: 3, tasksPerAgent: 1 });
    configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'mr-cli-t-')), 'config.json');
    const host = [...env.sim.model.agents.values()][0]!.hostname;
    writeFileSync(
      configFile,
      JSON.stringify({
        temporal: { address: temporalAddress().address, taskQueue: env.taskQueue },
        clusters: { [env.cluster]: { masters: env.sim.masters } },
        schedules: [{ id: scheduleId, runbook: 'drainAgent', input: { cluster: env.cluster, hostname: host, reason: 'weekly' }, cron: '0 2 * * 0', timeZone: 'Europe/Berlin', window: { durationMinutes: 60, cutoffMinutes: 10 }, paused: true }],
      }),
    );
  });
  afterAll(async () => {
    await env.client.schedule.getHandle(`mesos-runbooks/${scheduleId}`).delete().catch(() => undefined);
    await env?.stop();
  });

  const cli = (...args: string[]) => runCli(configFile, args, { ...process.env, MESOS_RUNBOOKS_USER: 'olga' });
  const agents = () => [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);

  it('list shows every runbook with its input fields, as text and as JSON', async () => {
    const text = await cli('list');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^drainAgent \(destructive\): /m);
    expect(text.stdout).toMatch(/^ {4}ifAgentBusy \("wait" \| "fail", default "wait"\)$/m);
    const json = JSON.parse((await cli('list', '--json')).stdout) as { name: string; fields: { name: string; required: boolean }[] }[];
    expect(json.find((r) => r.name === 'drainAgent')?.fields.find((f) => f.name === 'reason')).toMatchObject({ required: true });
  });

  it('start --json, history of the finished run, status by phase', async () => {
    const started = await cli('start', 'drainAgent', '--json', '-i', JSON.stringify({ cluster: env.cluster, agentId: agents()[1]!.id, reason: 'history', maxGracePeriodSeconds: 0 }));
    expect(started.code).toBe(0);
    const run = JSON.parse(started.stdout) as { workflowId: string; initiator: string };
    expect(run.initiator).toBe('olga');
    await env.client.workflow.getHandle(run.workflowId).result();
    const history = JSON.parse((await cli('history', run.workflowId, '--json')).stdout) as { status: string; events: { kind: string }[]; result: { finalState: string } };
    expect(history.status).toBe('COMPLETED');
    expect(history.result.finalState).toBe('DRAINED');
    expect(history.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['stepStarted', 'waitEnded', 'runEnded']));
    const text = await cli('history', run.workflowId);
    expect(text.stdout).toMatch(/: COMPLETED, phase done, started by olga/);
    expect(text.stdout).toMatch(/^result: \{.*"finalState":"DRAINED"/m);
    const done = JSON.parse((await cli('status', '--all', '--phase', 'done', '--cluster', env.cluster, '--json')).stdout) as { workflowId: string }[];
    expect(done.map((r) => r.workflowId)).toContain(run.workflowId);
    const awaiting = JSON.parse((await cli('status', '--all', '--phase', 'awaiting approval', '--cluster', env.cluster, '--json')).stdout) as unknown[];
    expect(awaiting).toEqual([]);
  });

  it('freeze, its status and unfreeze; a bad --until is refused with exit 2, as JSON with --json', async () => {
    const frozen = await cli('freeze', '--cluster', env.cluster, '--until', '2h', '--reason', 'INC-9');
    expect(frozen.code).toBe(0);
    expect(frozen.stdout).toMatch(new RegExp(`cluster ${env.cluster} is FROZEN by olga until .*: INC-9`));
    const state = JSON.parse((await cli('freeze', '--cluster', env.cluster, '--status', '--json')).stdout) as { freeze?: { by: string } };
    expect(state.freeze?.by).toBe('olga');
    expect((await cli('unfreeze', '--cluster', env.cluster)).stdout).toMatch(/is not frozen \(last freeze lifted by olga/);
    const again = await cli('unfreeze', '--cluster', env.cluster);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not frozen/);
    const bad = await cli('freeze', '--cluster', env.cluster, '--until', 'tomorrow', '--reason', 'x', '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toEqual({ error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^--until: 'tomorrow' is neither a time like/) } });
    expect((await cli('freeze', '--cluster', 'nope', '--until', '1h', '--reason', 'x')).stderr).toMatch(/cluster: unknown cluster 'nope'/);
  });

  it('schedules sync --dry-run, sync (idempotent), list and preview; preview before sync is refused', async () => {
    const early = await cli('schedules', 'preview', scheduleId);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/it is configured: run mesos-runbooks schedules sync/);
    const dry = await cli('schedules', 'sync', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^\\+ create ${scheduleId} \\(mesos-runbooks/${scheduleId}\\): drainAgent cron "0 2 \\* \\* 0" Europe/Berlin, window 60 min \\(cutoff 10 min\\)`, 'm'));
    expect(dry.stdout).toMatch(/drainAgent takes no window: its runs get no notBefore\/notAfter/);
    expect(dry.stdout).toMatch(/\(dry run: nothing changed\)$/m);
    expect((await cli('schedules', 'sync')).stdout).toMatch(/sync: 1 created/);
    expect((await cli('schedules', 'sync')).stdout).toMatch(/= unchanged [\s\S]*\nsync: 0 created, 0 updated, 0 deleted, 1 unchanged/);
    expect((await cli('schedules', 'list')).stdout).toMatch(new RegExp(`^${scheduleId} PAUSED`, 'm'));
    const preview = await cli('schedules', 'preview', scheduleId, '--count', '3');
    const lines = preview.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT02:00:00\\+0[12]:00  ${scheduleId}  drainAgent  until \\S+T03:00:00\\+0[12]:00 \\(last start \\S+T02:50:00\\+0[12]:00\\)  touches ${env.cluster}: `));
  });
});
