import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { startChatBot, type ChatBot } from '../../src/chatops/bot';
import { parseConfig } from '../../src/config';
import type { Progress } from '../../src/contracts';
import { fakeServer, fakeSlack, type FakeServer, type Received } from '../helpers/fake-http';
import { progressUntil, runbookEnv, type RunbookEnv } from '../helpers/runbook-env';

// The chat bot on loopback: Bolt's real HTTP server, signed slash commands and button clicks, a fake Slack Web API
// (clientOptions.slackApiUrl) and response_url, runs on the real dev server. Forged, stale, future and replayed
// requests are refused; the authorization table and the kit's approval policy decide; the user is the signed one.
const SECRET = 'chatops-test-signing-secret';
const TOKEN = 'xoxb-chatops-test-token';

describe('chat-ops', () => {
  let env: RunbookEnv;
  let slack: Awaited<ReturnType<typeof fakeSlack>>;
  let responses: FakeServer;
  let bot: ChatBot;
  const logs: string[] = [];
  let agents: { id: string; hostname: string }[];

  beforeAll(async () => {
    slack = await fakeSlack({ S0OPS: ['U0BOB', 'U0CAROL'] });
    responses = await fakeServer();
    env = await runbookEnv({ agents: 6, tasksPerAgent: 1, timeScale: 20 }, { policy: { fourEyes: true } });
    agents = [...env.sim.model.agents.values()].sort((a, b) => a.seq - b.seq);
    const config = parseConfig({
      ...env.config,
      temporal: { ...env.config.temporal, taskQueue: env.taskQueue, uiUrl: 'http://127.0.0.1:8233' },
      chatops: {
        signingSecret: { env: 'TEST_SLACK_SIGNING_SECRET' },
        botToken: { env: 'TEST_SLACK_BOT_TOKEN' },
        apiUrl: slack.apiUrl,
        pollIntervalMs: 200,
        users: { U0ALICE: 'alice', U0BOB: 'bob', U0CAROL: 'carol' },
        allow: [
          { users: ['U0ALICE'], runbooks: ['drainAgent'], clusters: [env.cluster], may: ['plan', 'start', 'abort', 'approve'] },
          { groups: ['S0OPS'], may: ['approve', 'freeze'] },
          { users: ['U0DAVE'], runbooks: ['agentMaintenance'], may: ['start'] },
        ],
      },
    });
    bot = await startChatBot({
      config,
      client: env.client,
      clusters: env.clusters,
      port: 0,
      host: '127.0.0.1',
      env: { TEST_SLACK_SIGNING_SECRET: SECRET, TEST_SLACK_BOT_TOKEN: TOKEN },
      log: (l) => logs.push(l),
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await env?.stop();
    await slack?.close();
    await responses?.close();
  });

  let n = 0;
  const sign = (body: string, ts = Math.floor(Date.now() / 1000), secret = SECRET) => ({
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
    'content-type': 'application/x-www-form-urlencoded',
  });
  const post = async (body: string, headers: Record<string, string>) => {
    const res = await request(bot.url, { method: 'POST', headers, body });
    return { status: res.statusCode, text: await res.body.text() };
  };
  const commandBody = (user: string, text: string, responseId: string) =>
    new URLSearchParams({ token: 'x', team_id: 'T1', channel_id: 'C0OPS', user_id: user, user_name: 'whoever', command: '/runbook', text, response_url: `${responses.url}/r/${responseId}`, trigger_id: 't' }).toString();
  /** Sends a signed `/runbook <text>` as `user`; resolves with the bot's answer (posted to response_url). */
  const command = async (user: string, text: string): Promise<Received> => {
    const id = `c${++n}`;
    const body = commandBody(user, text, id);
    const res = await post(body, sign(body));
    expect(res.status).toBe(200);
    return responses.waitFor((r) => r.path === `/r/${id}`);
  };
  const click = async (user: string, actionId: string, value: string): Promise<Received> => {
    const id = `b${++n}`;
    const payload = { type: 'block_actions', user: { id: user }, team: { id: 'T1' }, channel: { id: 'C0OPS' }, api_app_id: 'A1', token: 'x', trigger_id: 't', response_url: `${responses.url}/r/${id}`, container: { type: 'message', message_ts: '1.1' }, actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1' }] };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await post(body, sign(body));
    expect(res.status).toBe(200);
    return responses.waitFor((r) => r.path === `/r/${id}`);
  };
  const textOf = (r: Received) => String(r.json?.text ?? '');

  it('refuses forged, stale, future-dated and replayed requests; a valid one is served once', async () => {
    const body = commandBody('U0ALICE', 'help', 'sec');
    expect((await post(body, sign(body, undefined, 'not-the-secret'))).status).toBe(401);
    expect((await post(body, sign(body, Math.floor(Date.now() / 1000) - 6 * 60))).status).toBe(401);
    expect((await post(body, sign(body, Math.floor(Date.now() / 1000) + 6 * 60))).status).toBe(401);
    expect((await post(body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401);
    const headers = sign(body);
    expect((await post(body, headers)).status).toBe(200);
    const replay = await post(body, headers);
    expect(replay.status).toBe(401);
    expect(replay.text).toMatch(/a replay/);
    await responses.waitFor((r) => r.path === '/r/sec');
    expect(responses.received.filter((r) => r.path === '/r/sec')).toHaveLength(1);
    // No secret in what the bot logged.
    expect(logs.join('\n')).not.toContain(SECRET);
    expect(logs.join('\n')).not.toContain(TOKEN);
  });

  it('list shows each runbook with its input fields; bad commands say how they should read', async () => {
    expect(textOf(await command('U0MALLORY', 'list'))).toMatch(/\*drainAgent\*[\s\S]*reason \(string, required\)/);
    expect(textOf(await command('U0ALICE', 'launch drainAgent {}'))).toMatch(/unknown command 'launch' \(allowed: list, plan, start, status, approve, abort, freeze, unfreeze, help\)/);
    expect(textOf(await command('U0ALICE', 'start drainAgent {hostname: x}'))).toMatch(/start: the input is not valid JSON/);
  });

  it('a start typed on a phone (smart quotes, non-breaking spaces) runs as the signed user, its progress in its thread; approval buttons follow the policy; a stale button does nothing', async () => {
    const agent = agents[0]!;
    const typed = `start drainAgent {\u201Ccluster\u201D:\u00A0\u201C${env.cluster}\u201D, \u201Chostname\u201D: \u201C${agent.hostname}\u201D,\u00A0\u201Creason\u201D: \u201Ckernel upgrade\u201D, \u201CrequireApproval\u201D: true, \u201CmaxGracePeriodSeconds\u201D: 0, \u201Cinitiator\u201D: \u201Cmallory\u201D}`;
    const started = textOf(await command('U0ALICE', typed));
    const workflowId = /started `([^`]+)`/.exec(started)?.[1];
    expect(workflowId).toBe(`drainAgent/${env.cluster}/${agent.hostname}`);
    const handle = env.client.workflow.getHandle(workflowId!);
    const waiting = await progressUntil(handle, (p) => p.phase === 'awaiting approval');
    // The initiator is the signed user (mapped to alice), not what the input said.
    expect(waiting.initiator).toBe('alice');

    const top = await slack.waitFor((r) => r.path === '/api/chat.postMessage' && !r.json?.thread_ts && String(r.json?.text).includes(workflowId!));
    expect(top.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(String(top.json?.text)).toContain('http://127.0.0.1:8233/namespaces/default/workflows/');
    const approvalMessage = await slack.waitFor((r) => r.path === '/api/chat.postMessage' && r.json?.thread_ts !== undefined && String(r.json?.text).includes('awaiting approval'));
    const raw = approvalMessage.json?.blocks;
    const blocks = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { type: string; elements?: { action_id: string; value: string }[] }[];
    const approveButton = blocks.find((b) => b.type === 'actions')!.elements!.find((e) => e.action_id === 'runbook_approve')!;

    // Alice may approve by the table, but four eyes: she started it.
    expect(textOf(await click('U0ALICE', 'runbook_approve', approveButton.value))).toMatch(/approver: 'alice' started this run; four eyes/);
    // Mallory is in no rule.
    expect(textOf(await click('U0MALLORY', 'runbook_approve', approveButton.value))).toMatch(/refused: no rule of chatops.allow lets <@U0MALLORY> approve drainAgent/);
    // Dave's first rule covers agentMaintenance only: no rule covers him for drainAgent.
    expect(textOf(await click('U0DAVE', 'runbook_approve', approveButton.value))).toMatch(/refused: no rule of chatops.allow lets <@U0DAVE> approve drainAgent/);
    expect((await handle.query<Progress>('progress')).phase).toBe('awaiting approval');
    // Bob, in the S0OPS group, approves.
    expect(textOf(await click('U0BOB', 'runbook_approve', approveButton.value))).toMatch(/<@U0BOB>: approved drain agent/);
    await expect(handle.result()).resolves.toMatchObject({ finalState: 'DRAINED' });
    // The bot's last query of the run (its thread's end) first, then ours: two queries of a run that has just
    // completed, sent at once, made one of them wait ~30 s in about 1 test run in 5 (a CI failure: DEADLINE_EXCEEDED).
    // Seen with the bot following the run, never in ~30 tries without it; not explained yet (see docs/chatops.md).
    const thread = approvalMessage.json?.thread_ts;
    await slack.waitFor((r) => r.json?.thread_ts === thread && String(r.json?.text).includes('run *done*'));
    const done = await handle.query<Progress>('progress');
    expect(done.events?.find((e) => e.kind === 'approvalGiven')).toMatchObject({ approver: 'bob' });

    // The same button, after the run moved on, does nothing and says so.
    expect(textOf(await click('U0CAROL', 'runbook_approve', approveButton.value))).toMatch(/this button is stale: the run drainAgent\/.* is completed; nothing was done/);
    // The thread got the events, the end included.
    const posted = slack.calls('chat.postMessage').filter((r) => r.json?.thread_ts === thread).map((r) => String(r.json?.text));
    // Each event once, in order.
    expect(posted.filter((t) => t.includes('*drain* — DRAIN_AGENT accepted'))).toHaveLength(1);
    expect(posted.findIndex((t) => t.includes('approved by *bob*'))).toBeLessThan(posted.findIndex((t) => t.includes('*drain* — DRAIN_AGENT accepted')));
  });

  it('refuses what the table does not allow, with the reason, and starts nothing', async () => {
    const agent = agents[1]!;
    const input = JSON.stringify({ cluster: env.cluster, hostname: agent.hostname, reason: 'no rights' });
    expect(textOf(await command('U0MALLORY', `start drainAgent ${input}`))).toMatch(/refused: no rule of chatops.allow lets <@U0MALLORY> start drainAgent on cluster/);
    expect(textOf(await command('U0BOB', `start drainAgent ${input}`))).toMatch(/refused: chatops.allow.1 .* allows only approve, freeze, not start/);
    expect(await env.runbooks.findRuns({ cluster: env.cluster, target: agent.hostname, open: false })).toEqual([]);
    // Bad input is named field by field, before anything starts.
    expect(textOf(await command('U0ALICE', `start drainAgent {"cluster":"${env.cluster}","hostname":"${agent.hostname}","reactivate":"yes"}`))).toMatch(/reason: required[\s\S]*reactivate: must be true or false/);
  });

  it('plan, status and abort from chat; freeze and unfreeze by the ops group', async () => {
    const agent = agents[2]!;
    const input = { cluster: env.cluster, hostname: agent.hostname, reason: 'to abort', requireApproval: true };
    expect(textOf(await command('U0ALICE', `plan drainAgent ${JSON.stringify(input)}`))).toMatch(/\*drainAgent\* on .*: ready[\s\S]*Nothing was changed/);
    const started = textOf(await command('U0ALICE', `start drainAgent ${JSON.stringify(input)}`));
    const workflowId = /started `([^`]+)`/.exec(started)![1]!;
    await progressUntil(env.client.workflow.getHandle(workflowId), (p) => p.phase === 'awaiting approval');
    expect(textOf(await command('U0CAROL', `status ${workflowId}`))).toMatch(/phase \*awaiting approval\*[\s\S]*you may: approve, pause, abort/);
    expect(textOf(await command('U0CAROL', `abort ${workflowId} wrong agent`))).toMatch(/refused: chatops.allow.1 .* allows only approve, freeze, not abort/);
    expect(textOf(await command('U0ALICE', `abort ${workflowId} wrong agent`))).toMatch(/aborting: compensation runs next/);
    await expect(env.client.workflow.getHandle(workflowId).result()).rejects.toThrow();

    expect(textOf(await command('U0ALICE', `freeze ${env.cluster} 2h incident`))).toMatch(/refused: chatops.allow.0 .* allows only plan, start, abort, approve, not freeze/);
    expect(textOf(await command('U0CAROL', `freeze ${env.cluster} 2h INC-7 network`))).toMatch(/froze cluster \*.*\* until .*: INC-7 network/);
    expect((await env.runbooks.freezeState(env.cluster)).freeze).toMatchObject({ by: 'carol', reason: 'INC-7 network' });
    expect(textOf(await command('U0CAROL', `unfreeze ${env.cluster}`))).toMatch(/lifted the freeze/);
    expect((await env.runbooks.freezeState(env.cluster)).freeze).toBeUndefined();
  });
});
