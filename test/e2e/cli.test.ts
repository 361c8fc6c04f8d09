import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';
import { progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';
import { temporalAddress } from '../helpers/temporal';


// The operator's CLI against the real dev server, the worker and a simulated cluster.
describe('mesos-runbooks CLI', () => {
  let env: RunbookEnv;
  let configFile: string;
  beforeAll(async () => {
    env = await runbookEnv({ agents: 3, tasksPerAgent: 1 }, { policy: { approvers: ['alice'], alwaysRequireApproval: ['drainAgent'] } });
    configFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'mr-cli-')), 'config.json');
    writeFileSync(configFile, JSON.stringify({ temporal: { address: temporalAddress().address, taskQueue: env.taskQueue }, clusters: { [env.cluster]: { masters: env.sim.masters } } }));
  });
  afterAll(() => env?.stop());

  const cli = (...args: string[]) => runCli(configFile, args);

  const agents = () => [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);

  it('plan prints the checks and steps and changes nothing', async () => {
    const before = env.sim.audit().length;
    const out = await cli('plan', 'agentMaintenance', '-i', JSON.stringify({ cluster: env.cluster, agentId: agents()[0].id, reason: 'look first' }));
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^agentMaintenance on sim-.*: ready$/m);
    expect(out.stdout).toMatch(/✔ agent can drain: AGENT_DRAINING capability present/);
    expect(out.stdout).toMatch(/7\. start maintenance: START_MAINTENANCE /);
    expect(env.sim.audit().length).toBe(before);
  });

  it('start refuses bad input naming the field, exit 2, and starts nothing', async () => {
    const out = await cli('start', 'drainAgent', '-i', JSON.stringify({ cluster: env.cluster, hostname: 'nowhere.example', reason: 'x' }));
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/hostname: no registered agent has hostname 'nowhere.example'/);
    const bad = await cli('start', 'drainAgent', '-i', '{not json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not valid JSON/);
  });

  it('start, control approve (refused, then accepted), control complete; watch follows to the end', async () => {
    const agent = agents()[1];
    const started = await cli('start', 'agentMaintenance', '-i', JSON.stringify({ cluster: env.cluster, agentId: agent.id, reason: 'cli run', requireApproval: true, maxGracePeriodSeconds: 1 }));
    expect(started.code).toBe(0);
    const workflowId = /^started (\S+) /m.exec(started.stdout)![1];
    const handle = env.client.workflow.getHandle(workflowId);
    await progressUntil(handle, (p) => p.phase === 'awaiting approval');

    const refused = await cli('control', workflowId, 'approve', '--reason', 'ok', '--by', 'mallory');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/approve refused by agentMaintenance\/.*: approver: 'mallory' may not approve \(allowed: alice\)/);
    const approved = await cli('control', workflowId, 'approve', '--reason', 'change approved', '--by', 'alice');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^approved/);

    await progressUntil(handle, (p) => p.phase === 'work');
    const watching = cli('watch', workflowId);
    expect((await cli('control', workflowId, 'complete', '--by', 'alice')).code).toBe(0);
    const watched = await watching;
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/work marked complete by alice/);
    expect(watched.stdout).toMatch(/^finished: .*"outcome":"completed"/m);
  });

  it("the configuration's policy forces approval whatever the input says", async () => {
    const agent = agents()[2];
    const started = await cli('start', 'drainAgent', '-i', JSON.stringify({ cluster: env.cluster, agentId: agent.id, reason: 'policy', requireApproval: false }));
    expect(started.code).toBe(0);
    const handle = env.client.workflow.getHandle(/^started (\S+) /m.exec(started.stdout)![1]);
    const waiting = await progressUntil(handle, (p) => p.phase === 'awaiting approval');
    expect(waiting.wait?.what).toMatch(/approval: drain agent .* \(approvers: alice\)/);
    expect(env.sim.audit().filter((e) => e.call === 'DRAIN_AGENT' && e.target === agent.id)).toHaveLength(0);
    expect((await cli('control', handle.workflowId, 'abort', '--reason', 'not today')).code).toBe(0);
    await expect(handle.result()).rejects.toThrow();
  });
});
