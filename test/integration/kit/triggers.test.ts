import { WorkflowFailedError } from '@temporalio/client';
import { WINDOW_PAUSED_PHASE, type Progress } from '../../../src/contracts';
import { RunbookClient } from '../../../src/temporal/control';
import { fakeServer, fakeSlack, type FakeServer } from '../../helpers/fake-http';
import { progressUntil, rejection, runbookEnv, type RunbookEnv } from '../../helpers/runbook-env';
import { uniqueName } from '../../helpers/temporal';

// What the kit does for the triggers (issue 12), on the real dev server and the simulator: a cluster's freeze (runs
// wait at their next checkpoint, learning of it by a Signal), a run's maintenance window (notBefore, the pause at the
// window's end, resume with the next window), and notifications to a webhook and to Slack that never fail a run.
describe('the kit: freeze, windows, notifications', () => {
  let env: RunbookEnv;
  let hook: FakeServer;
  let slack: Awaited<ReturnType<typeof fakeSlack>>;
  let pool: { id: string; hostname: string }[];
  let failFirst = true;
  beforeAll(async () => {
    // The webhook fails its first request (the activity retries it); a second target is always refused.
    hook = await fakeServer(() => {
      if (failFirst) {
        failFirst = false;
        return { status: 503 };
      }
      return undefined;
    });
    slack = await fakeSlack();
    process.env.TEST_NOTIFY_SLACK_TOKEN = 'xoxb-test-notify-token';
    env = await runbookEnv(
      { agents: 8, tasksPerAgent: 1, timeScale: 20 },
      {
        workflowsPath: require.resolve('../../helpers/kit-runbooks'),
        config: {
          temporal: { uiUrl: 'http://127.0.0.1:8233' },
          notifications: {
            attempts: 3,
            timeoutSeconds: 2,
            targets: [
              { name: 'hook', webhook: { url: `${hook.url}/hook` }, runbooks: ['drainAgent', 'windowedWork'] },
              { name: 'dead', webhook: { url: 'http://127.0.0.1:9/nothing-listens' }, runbooks: ['drainAgent'], events: ['started', 'completed'] },
              { name: 'slack', slack: { channel: 'C-OPS', token: { env: 'TEST_NOTIFY_SLACK_TOKEN' }, apiUrl: slack.apiUrl }, runbooks: ['drainAgent'], events: ['approval', 'failed'] },
            ],
          },
        },
      },
    );
    pool = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
  });
  afterAll(async () => {
    await env?.stop();
    await hook?.close();
    await slack?.close();
  });

  const as = (identity: string) => new RunbookClient({ client: env.client, taskQueue: env.taskQueue, identity, clusters: env.clusters });
  const drains = (agentId: string) => env.sim.audit().filter((e) => e.call === 'DRAIN_AGENT' && e.target === agentId && e.outcome !== 'rejected');

  it('a freeze stops a running run before its next step, says who, why and until when, and unfreeze lets it go on', async () => {
    const agent = pool.shift()!;
    const run = await as('alice').start('drainAgent', { cluster: env.cluster, agentId: agent.id, reason: 'freeze test', requireApproval: true, maxGracePeriodSeconds: 0 }, { idSuffix: uniqueName('f') });
    const handle = env.client.workflow.getHandle(run.workflowId);
    await progressUntil(handle, (p) => p.phase === 'awaiting approval');
    const until = new Date(Date.now() + 3600_000).toISOString();
    const frozen = await as('oncall').freeze(env.cluster, { until, reason: 'INC-42 network incident' });
    expect(frozen.freeze).toMatchObject({ by: 'oncall', reason: 'INC-42 network incident', until });
    await as('bob').approve(run.workflowId, { reason: 'ok' });

    const waiting = await progressUntil(handle, (p) => p.phase === 'frozen');
    expect(waiting.wait).toMatchObject({ kind: 'freeze', deadline: until });
    expect(waiting.wait?.what).toContain(`cluster ${env.cluster} to be unfrozen (frozen by oncall until`);
    expect(waiting.wait?.what).toContain('INC-42 network incident');
    expect(waiting.steps.find((s) => s.name === 'drain')?.status).toBe('pending');
    expect(drains(agent.id)).toHaveLength(0);
    await expect(as('oncall').freeze(env.cluster, { until: '2020-01-01T00:00:00Z', reason: 'x' })).rejects.toThrow(/until: 2020-01-01T00:00:00Z is already past/);

    await as('oncall').unfreeze(env.cluster, { reason: 'resolved' });
    await expect(handle.result()).resolves.toMatchObject({ finalState: 'DRAINED' });
    const done = await handle.query<Progress>('progress');
    expect(done.events?.find((e) => e.kind === 'waitEnded' && e.outcome === 'lifted')).toMatchObject({ by: 'oncall', reason: 'resolved' });
    expect(drains(agent.id)).toHaveLength(1);
    expect((await as('x').freezeState(env.cluster)).freeze).toBeUndefined();
  });

  it('a run started while the cluster is frozen waits before its first step; the freeze lifts itself at its time', async () => {
    const agent = pool.shift()!;
    await as('oncall').freeze(env.cluster, { until: new Date(Date.now() + 4000).toISOString(), reason: 'short freeze' });
    const run = await as('alice').start('drainAgent', { cluster: env.cluster, agentId: agent.id, reason: 'started frozen', maxGracePeriodSeconds: 0 }, { idSuffix: uniqueName('f') });
    const handle = env.client.workflow.getHandle(run.workflowId);
    const waiting = await progressUntil(handle, (p) => p.phase === 'frozen');
    expect(waiting.wait?.what).toContain('short freeze');
    expect(drains(agent.id)).toHaveLength(0);
    await expect(handle.result()).resolves.toMatchObject({ finalState: 'DRAINED' });
    const done = await handle.query<Progress>('progress');
    expect(done.events?.find((e) => e.kind === 'waitEnded' && e.outcome === 'lifted')).toMatchObject({ reason: 'its time was up' });
  });

  const startWindowed = (input: Record<string, unknown>) =>
    env.client.workflow.start('windowedWork', { taskQueue: env.taskQueue, workflowId: uniqueName('windowed'), args: [{ cluster: env.cluster, hostname: pool[0]!.hostname, reason: 'window test', ...input }] });

  it('a run waits for its window to open (notBefore), then works', async () => {
    const handle = await startWindowed({ notBefore: new Date(Date.now() + 2500).toISOString() });
    const waiting = await progressUntil(handle, (p) => p.phase === 'awaiting window');
    expect(waiting.wait).toMatchObject({ kind: 'windowOpen' });
    expect(waiting.steps.find((s) => s.name === 'unit 1')?.status).toBe('pending');
    await expect(handle.result()).resolves.toBeDefined();
  });

  it("a run pauses at its window's end and goes on when resumed with the next window; a past window is refused", async () => {
    const handle = await startWindowed({ notAfter: new Date(Date.now() + 60_000).toISOString(), minRemainingMinutes: 5 });
    const paused = await progressUntil(handle, (p) => p.phase === WINDOW_PAUSED_PHASE);
    expect(paused.wait).toMatchObject({ kind: 'window' });
    expect(paused.paused).toMatchObject({ by: 'window' });
    expect(paused.steps.find((s) => s.name === 'unit 1')?.status).toBe('pending');
    const note = await hook.waitFor((r) => r.json?.event === 'windowPaused' && r.json?.workflowId === handle.workflowId);
    expect(String(note.json?.text)).toMatch(/paused at its window's end: the next window \(the window ends .* and a step needs at least 5 min of it\)/);
    expect(await rejection(handle.executeUpdate('resume', { args: [{ by: 'x', notAfter: '2020-01-01T00:00:00Z' }] }))).toBe('notAfter: 2020-01-01T00:00:00Z is already past');
    expect(await rejection(handle.executeUpdate('resume', { args: [{ by: 'x', notAfter: 'tomorrow' }] }))).toBe('notAfter: an ISO 8601 time, e.g. 2026-12-08T04:00:00Z');
    const next = new Date(Date.now() + 3600_000).toISOString();
    await handle.executeUpdate('resume', { args: [{ by: 'schedule:test', notAfter: next }] });
    await expect(handle.result()).resolves.toBeDefined();
    const done = await handle.query<Progress>('progress');
    expect(done.steps.filter((s) => s.status === 'done').map((s) => s.name)).toEqual(expect.arrayContaining(['unit 1', 'unit 2', 'unit 3']));
    expect(done.events?.find((e) => e.kind === 'waitEnded' && e.outcome === 'resumed')).toMatchObject({ by: 'schedule:test' });
  });

  it('notifications: at start, approval and completion to the webhook (retried), approval and failure to Slack, with a link; a dead target never fails the run', async () => {
    const agent = pool.shift()!;
    const run = await as('alice').start('drainAgent', { cluster: env.cluster, agentId: agent.id, reason: 'notify test', requireApproval: true, maxGracePeriodSeconds: 0 }, { idSuffix: uniqueName('n') });
    const handle = env.client.workflow.getHandle(run.workflowId);
    const approval = await hook.waitFor((r) => r.json?.event === 'approval' && r.json?.workflowId === run.workflowId);
    expect(approval.json).toMatchObject({ runbook: 'drainAgent', cluster: env.cluster, target: agent.id });
    expect(String(approval.json?.url)).toMatch(/^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/drainAgent/);
    const slackApproval = await slack.waitFor((r) => r.path === '/api/chat.postMessage' && String(r.json?.text).includes('awaits approval') && String(r.json?.text).includes(agent.id));
    expect(slackApproval.headers.authorization).toBe('Bearer xoxb-test-notify-token');
    expect(slackApproval.json?.channel).toBe('C-OPS');
    await as('bob').approve(run.workflowId, { reason: 'ok' });
    await expect(handle.result()).resolves.toMatchObject({ finalState: 'DRAINED' });
    const events = hook.received.filter((r) => r.json?.workflowId === run.workflowId).map((r) => r.json?.event);
    expect(new Set(events)).toEqual(new Set(['started', 'approval', 'completed']));
    // The first request of the test file got a 503: the same notification came again and was taken.
    const first = hook.received[0]!;
    expect(hook.received.slice(1).some((r) => r.body === first.body)).toBe(true);

    // An aborted run: its failure goes to Slack.
    const other = pool.shift()!;
    const aborted = await as('alice').start('drainAgent', { cluster: env.cluster, agentId: other.id, reason: 'to abort', requireApproval: true }, { idSuffix: uniqueName('n') });
    await progressUntil(env.client.workflow.getHandle(aborted.workflowId), (p) => p.phase === 'awaiting approval');
    await as('bob').abort(aborted.workflowId, { reason: 'not now' });
    await expect(env.client.workflow.getHandle(aborted.workflowId).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    await slack.waitFor((r) => String(r.json?.text).includes(`${other.id} aborted`));
  });

  it('notifications: a wait stuck past its deadline notifies the webhook with the diagnosis', async () => {
    const agent = pool.shift()!;
    const framework = [...env.sim.model.frameworks.values()][0]!;
    env.sim.setFrameworkAcknowledges(framework.id, false);
    try {
      const run = await as('alice').start('drainAgent', { cluster: env.cluster, agentId: agent.id, reason: 'stuck', maxGracePeriodSeconds: 0, drainTimeoutSeconds: 1 }, { idSuffix: uniqueName('n') });
      const stuck = await hook.waitFor((r) => r.json?.event === 'stuck' && r.json?.workflowId === run.workflowId);
      expect(String(stuck.json?.text)).toMatch(/is stuck: .* did not happen by its deadline: .*not acknowledged by their framework.*\(extend, skip or abort\)/);
      await as('bob').skip(run.workflowId, { reason: 'framework replaced' });
      await expect(env.client.workflow.getHandle(run.workflowId).result()).resolves.toMatchObject({ finalState: 'DRAINING' });
    } finally {
      env.sim.setFrameworkAcknowledges(framework.id, true);
    }
  });
});
