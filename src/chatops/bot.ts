/**
 * The chat bot (`mesos-runbooks chatops --port <n>`, docs/chatops.md): Slack's Bolt in HTTP mode serving
 * `/slack/events`. `/runbook list | plan | start | status | approve | abort | freeze | unfreeze`, approval buttons
 * bound to one run and its pending approval, and each run started from chat followed in its thread from its
 * progress events. Security: Bolt checks the signature (HMAC of the body with the signing secret) and the
 * timestamp's age; before it, every request whose timestamp is more than `maxRequestAgeSeconds` off (past or
 * future) or whose signature was seen already (a replay) is refused. The Slack user comes from the signed request
 * only; the authorization table decides what they may do; the kit's approval policy decides the rest.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, ExpressReceiver, LogLevel, type Logger } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import type { webApi } from '@slack/bolt';
import { catalog } from '../catalog';
import { describeField, inputFields } from '../catalog-fields';
import type { ClusterRegistry } from '../clusters';
import type { Config } from '../config';
import { resolveSecret } from '../config/secrets';
import type { ChatopsConfig, ChatPermission } from '../config/triggers';
import type { Progress, ProgressEvent, RunPlan } from '../contracts';
import { chat, formatEvent } from '../progress/format';
import { dateTime } from '../progress/time';
import { RunbookClient } from '../temporal/control';
import { parseUntil } from '../cli/context';
import { authorize, groupsNamed } from './authz';
import { ChatInputError, parseChatCommand, USAGE, type ChatCommand } from './text';

export interface ChatBotOptions {
  config: Config;
  client: Client;
  /** For checking inputs against the clusters (agent exists) before a start. */
  clusters?: ClusterRegistry;
  port: number;
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the bot's own log lines go (default stderr). */
  log?: (line: string) => void;
}

export interface ChatBot {
  url: string;
  port: number;
  stop(): Promise<void>;
}

type Reply = { response_type?: 'ephemeral' | 'in_channel'; text: string; replace_original?: boolean };

type WebClient = webApi.WebClient;

const GROUP_CACHE_MS = 60_000;

/** Starts the bot's HTTP server; throws (naming the reference, never a value) when a secret cannot be resolved. */
export async function startChatBot(options: ChatBotOptions): Promise<ChatBot> {
  const chatops = options.config.chatops;
  if (!chatops) throw Object.assign(new Error('chatops: not configured: add chatops: { signingSecret: { env: SLACK_SIGNING_SECRET }, botToken: { env: SLACK_BOT_TOKEN }, allow: [...] } (docs/chatops.md)'), { code: 'CONFIG_INVALID' });
  const env = options.env ?? process.env;
  const signingSecret = secret(() => resolveSecret(chatops.signingSecret, env), 'chatops.signingSecret');
  const token = secret(() => resolveSecret(chatops.botToken, env), 'chatops.botToken');
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const logger = boltLogger(log);

  const receiver = new ExpressReceiver({ signingSecret, logger, processBeforeResponse: false });
  const app = new App({ receiver, token, logger, clientOptions: { slackApiUrl: chatops.apiUrl, retryConfig: { retries: 2, factor: 1.5, minTimeout: 200, maxTimeout: 2000 } } });
  const bot = new Bot(chatops, options, log);
  app.command('/runbook', async ({ command, ack, respond, client: web }) => {
    await ack();
    // The user is the signed request's; nothing typed can change it.
    const reply = await bot.handle(command.text ?? '', { user: command.user_id, channel: command.channel_id, web });
    await respond(reply);
  });
  app.action(/^runbook_(approve|abort)$/, async ({ ack, body, action, respond, client: web }) => {
    await ack();
    const a = action as { action_id: string; value?: string };
    const reply = await bot.button(a.action_id === 'runbook_approve' ? 'approve' : 'abort', a.value ?? '', { user: body.user.id, web });
    await respond({ ...reply, replace_original: false });
  });
  app.error(async (err) => log(`chatops: ${err.message}`));

  const guard = new ReplayGuard(chatops.maxRequestAgeSeconds);
  const handler = receiver.app as unknown as (req: IncomingMessage, res: ServerResponse) => void;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const refused = req.method === 'POST' ? guard.check(req) : undefined;
    if (refused) {
      log(`chatops: refused a request: ${refused}`);
      res.writeHead(401, { 'content-type': 'text/plain' }).end(`${refused}\n`);
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${options.host ?? '127.0.0.1'}:${port}/slack/events`,
    async stop() {
      bot.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await bot.drained();
    },
  };
}

function secret(resolve: () => string, field: string): string {
  try {
    return resolve();
  } catch (err) {
    throw Object.assign(new Error(`${field}: ${(err as Error).message}`), { code: 'CONFIG_INVALID' });
  }
}

/**
 * Refuses requests whose timestamp is more than `maxAgeSeconds` from now (either way: Bolt itself accepts a
 * timestamp from the future) and requests whose signature was already seen within that time: a captured request
 * sent again is refused even though its signature is valid. Bolt then checks the signature itself.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly maxAgeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  check(req: IncomingMessage): string | undefined {
    const ts = Number(header(req, 'x-slack-request-timestamp'));
    const signature = header(req, 'x-slack-signature');
    if (!signature || !Number.isFinite(ts)) return 'missing x-slack-signature or x-slack-request-timestamp';
    const nowS = this.now() / 1000;
    if (Math.abs(nowS - ts) > this.maxAgeSeconds) return `x-slack-request-timestamp is more than ${this.maxAgeSeconds} s from now: a stale or replayed request`;
    for (const [sig, at] of this.seen) if (at < nowS - this.maxAgeSeconds) this.seen.delete(sig);
    if (this.seen.has(signature)) return 'this signed request was already received: a replay';
    this.seen.set(signature, ts);
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function boltLogger(log: (line: string) => void): Logger {
  let level = LogLevel.WARN;
  const at = (l: LogLevel) => (...msg: unknown[]) => {
    const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
    if (order.indexOf(l) >= order.indexOf(level)) log(`chatops (bolt ${l}): ${msg.map(String).join(' ')}`);
  };
  return {
    debug: at(LogLevel.DEBUG),
    info: at(LogLevel.INFO),
    warn: at(LogLevel.WARN),
    error: at(LogLevel.ERROR),
    setLevel: (l) => (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}

interface Who {
  user: string;
  web: WebClient;
}

/** The bot's logic, apart from HTTP: commands, buttons, run threads. */
class Bot {
  private readonly groupCache = new Map<string, { members: string[]; at: number }>();
  private readonly followers = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly chatops: ChatopsConfig,
    private readonly options: ChatBotOptions,
    private readonly log: (line: string) => void,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  async drained(): Promise<void> {
    await Promise.allSettled([...this.followers]);
  }

  /** Who the Slack user is for the policy and the runs' Initiator. */
  private identity(user: string): string {
    return this.chatops.users[user] ?? user;
  }

  private client(user: string): RunbookClient {
    const { config, client, clusters } = this.options;
    return new RunbookClient({ client, taskQueue: config.temporal.taskQueue, identity: this.identity(user), clusters, uiUrl: config.temporal.uiUrl });
  }

  private async groupsOf(user: string, web: WebClient): Promise<string[]> {
    const groups: string[] = [];
    for (const group of groupsNamed(this.chatops.allow)) {
      let cached = this.groupCache.get(group);
      if (!cached || Date.now() - cached.at > GROUP_CACHE_MS) {
        try {
          const r = await web.usergroups.users.list({ usergroup: group });
          cached = { members: r.users ?? [], at: Date.now() };
          this.groupCache.set(group, cached);
        } catch (err) {
          this.log(`chatops: cannot read user group ${group}: ${(err as Error).message}`);
          continue;
        }
      }
      if (cached.members.includes(user)) groups.push(group);
    }
    return groups;
  }

  private async allow(who: Who, action: ChatPermission, cluster: string, runbook?: string): Promise<void> {
    const decision = authorize(this.chatops.allow, { user: who.user, groups: await this.groupsOf(who.user, who.web), action, cluster, ...(runbook ? { runbook } : {}) });
    if (!decision.allowed) throw new ChatInputError(decision.reason);
  }

  /** One `/runbook ...` command; every refusal is answered with its reason (ephemeral). */
  async handle(text: string, who: Who & { channel: string }): Promise<Reply> {
    try {
      return await this.run(parseChatCommand(text), who);
    } catch (err) {
      return { response_type: 'ephemeral', text: `:no_entry: ${(err as Error).message}` };
    }
  }

  private async run(cmd: ChatCommand, who: Who & { channel: string }): Promise<Reply> {
    switch (cmd.name) {
      case 'help':
        return { response_type: 'ephemeral', text: USAGE };
      case 'list':
        return {
          response_type: 'ephemeral',
          text: [...catalog().values()].map((e) => `*${e.name}*${e.destructive ? ' (destructive)' : ''}: ${e.summary}\n${inputFields(e.inputSchema).map((f) => `• \`${describeField(f)}\``).join('\n')}`).join('\n\n'),
        };
      case 'plan': {
        const cluster = clusterOf(cmd.input);
        await this.allow(who, 'plan', cluster, cmd.runbook);
        return { response_type: 'ephemeral', text: formatPlan(await this.client(who.user).plan(cmd.runbook, cmd.input)) };
      }
      case 'start': {
        const cluster = clusterOf(cmd.input);
        await this.allow(who, 'start', cluster, cmd.runbook);
        const run = await this.client(who.user).start(cmd.runbook, cmd.input);
        const posted = await who.web.chat.postMessage({
          channel: who.channel,
          text: `:arrow_forward: <@${who.user}> started *${cmd.runbook}* on ${cluster} for ${run.target}: ${String(cmd.input.reason ?? '')}\nrun \`${run.workflowId}\`${run.url ? ` · <${run.url}|Web UI>` : ''} · progress in this thread`,
          unfurl_links: false,
        });
        if (posted.ts) this.follow(run.workflowId, who.channel, posted.ts, who.web);
        return { response_type: 'ephemeral', text: `started \`${run.workflowId}\`; its progress goes to the thread in <#${who.channel}>` };
      }
      case 'status': {
        const client = this.client(who.user);
        if (cmd.run) return { response_type: 'ephemeral', text: formatStatus(cmd.run, await client.progress(cmd.run)) };
        const runs = await client.findRuns({});
        return { response_type: 'ephemeral', text: runs.length ? runs.map((r) => `• \`${r.workflowId}\` ${r.phase ?? r.status}${r.initiator ? ` (by ${r.initiator})` : ''}`).join('\n') : 'no open runs' };
      }
      case 'approve':
      case 'abort': {
        const client = this.client(who.user);
        const progress = await client.progress(cmd.run);
        await this.allow(who, cmd.name, progress.cluster ?? 'default', progress.runbook);
        const ack = cmd.name === 'approve' ? await client.approve(cmd.run, { reason: cmd.reason, ...(cmd.confirm ? { confirm: cmd.confirm } : {}) }) : await client.abort(cmd.run, { reason: cmd.reason });
        return { response_type: 'in_channel', text: `<@${who.user}>: ${ack.message} (\`${cmd.run}\`, phase ${ack.phase})` };
      }
      case 'freeze': {
        await this.allow(who, 'freeze', cmd.cluster);
        const s = await this.client(who.user).freeze(cmd.cluster, { until: parseUntil(cmd.until), reason: cmd.reason });
        return { response_type: 'in_channel', text: `:snowflake: <@${who.user}> froze cluster *${cmd.cluster}* until ${dateTime(s.freeze!.until)}: ${cmd.reason} — no run starts a step until then` };
      }
      case 'unfreeze': {
        await this.allow(who, 'freeze', cmd.cluster);
        await this.client(who.user).unfreeze(cmd.cluster, { ...(cmd.reason ? { reason: cmd.reason } : {}) });
        return { response_type: 'in_channel', text: `:sunny: <@${who.user}> lifted the freeze of cluster *${cmd.cluster}*` };
      }
    }
  }

  /**
   * A button of an approval message: it names the run (workflow and run id) and the approval it was posted for (its
   * event's number). Once the run moved on, the button does nothing and says so.
   */
  async button(action: 'approve' | 'abort', value: string, who: Who): Promise<Reply> {
    try {
      const bound = parseButton(value);
      const handle = this.options.client.workflow.getHandle(bound.w);
      const described = await handle.describe();
      const progress = await handle.query<Progress>('progress');
      const asked = [...(progress.events ?? [])].reverse().find((e) => e.kind === 'approvalAsked');
      const stale =
        described.runId !== bound.r || described.status.name !== 'RUNNING'
          ? `the run ${bound.w} is ${described.runId !== bound.r ? 'another run now' : described.status.name.toLowerCase()}`
          : progress.phase !== 'awaiting approval' || asked?.seq !== bound.s
            ? `the run moved on (phase: ${progress.phase})`
            : undefined;
      if (stale) return { response_type: 'ephemeral', text: `:hourglass: this button is stale: ${stale}; nothing was done` };
      await this.allow(who, action, progress.cluster ?? 'default', progress.runbook);
      const client = this.client(who.user);
      const ack = action === 'approve' ? await client.approve(bound.w, { reason: 'approved in Slack' }) : await client.abort(bound.w, { reason: `aborted in Slack by ${this.identity(who.user)}` });
      return { response_type: 'in_channel', text: `<@${who.user}>: ${ack.message}` };
    } catch (err) {
      return { response_type: 'ephemeral', text: `:no_entry: ${(err as Error).message}` };
    }
  }

  /** Posts the run's progress events in its thread, in order, each once, until the run ends (or the bot stops). */
  private follow(workflowId: string, channel: string, threadTs: string, web: WebClient): void {
    let queue: Promise<unknown> = Promise.resolve();
    const post = (event: ProgressEvent, runId: string) => {
      queue = queue.then(() => web.chat.postMessage({ channel, thread_ts: threadTs, ...message(event, workflowId, runId) }).catch((err: Error) => this.log(`chatops: cannot post to the thread of ${workflowId}: ${err.message}`)));
    };
    const following = (async () => {
      const runId = (await this.options.client.workflow.getHandle(workflowId).describe()).runId;
      await this.client('').follow(workflowId, (e) => post(e, runId), { intervalMs: this.chatops.pollIntervalMs, until: () => this.stopped });
      await queue;
    })().catch((err: Error) => this.log(`chatops: stopped following ${workflowId}: ${err.message}`));
    this.followers.add(following);
    void following.finally(() => this.followers.delete(following));
  }
}

/** A thread message for one event; an approval asked comes with its buttons. */
function message(e: ProgressEvent, workflowId: string, runId: string): { text: string; blocks?: unknown[] } {
  const text = formatEvent(chat, e);
  if (e.kind !== 'approvalAsked') return { text };
  const value = JSON.stringify({ w: workflowId, r: runId, s: e.seq });
  const buttons = e.confirm
    ? []
    : [{ type: 'button', action_id: 'runbook_approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value }];
  const hint = e.confirm ? `\nThis step needs a named confirmation: \`/runbook approve ${workflowId} confirm=${e.confirm}\`` : '';
  return {
    text: text + hint,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: text + hint } },
      { type: 'actions', elements: [...buttons, { type: 'button', action_id: 'runbook_abort', style: 'danger', text: { type: 'plain_text', text: 'Abort' }, value }] },
    ],
  };
}

function parseButton(value: string): { w: string; r: string; s: number } {
  try {
    const v = JSON.parse(value) as { w?: unknown; r?: unknown; s?: unknown };
    if (typeof v.w === 'string' && typeof v.r === 'string' && typeof v.s === 'number') return { w: v.w, r: v.r, s: v.s };
  } catch {
    // fall through
  }
  throw new ChatInputError('this button does not name a run (it was not made by this bot)');
}

function clusterOf(input: Record<string, unknown>): string {
  return typeof input.cluster === 'string' ? input.cluster : 'default';
}

function formatPlan(plan: RunPlan): string {
  const lines = [`*${plan.runbook}* on ${plan.cluster} (${plan.target}): ${plan.ready ? 'ready' : '*NOT ready*'}`];
  for (const c of plan.checks) lines.push(`${c.ok ? ':white_check_mark:' : ':x:'} ${c.name}: ${c.detail}`);
  plan.steps.forEach((s, i) => lines.push(`${i + 1}. *${s.name}*: ${s.action}${s.skipBecause ? ` _(skipped: ${s.skipBecause})_` : s.decidedAtRunTime ? ` _(decided at run time: ${s.decidedAtRunTime})_` : ''}`));
  lines.push('Nothing was changed.');
  return lines.join('\n');
}

function formatStatus(ref: string, p: Progress): string {
  const lines = [`*${p.runbook}* \`${ref}\` — phase *${p.phase}*${p.paused ? ` (paused${p.paused.by ? ` by ${p.paused.by}` : ''}: ${p.paused.reason})` : ''}`];
  for (const s of p.steps) lines.push(`• ${s.status} ${s.name}${s.note ? ` — ${s.note}` : ''}`);
  if (p.wait) lines.push(`waiting for: ${p.wait.what}${p.wait.stuck ? ' — *stuck*: extend, skip or abort' : ''}`);
  lines.push(`you may: ${p.operatorActions.join(', ') || 'nothing (the run is over)'}`);
  return lines.join('\n');
}
