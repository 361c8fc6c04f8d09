/**
 * Delivering notifications (docs/notifications.md): to a webhook (a JSON POST) and to Slack (chat.postMessage with
 * the bot token), each target chosen by event, runbook and cluster. Every target is tried `attempts` times with a
 * short backoff; a target that still fails is reported to `onFailure` (the worker logs it) and never fails the run.
 * Secrets (webhook URLs given by reference, header values, tokens) are resolved here and never written anywhere.
 */
import { request } from 'undici';
import type { Notification } from '../contracts';
import { resolveSecret } from '../config/secrets';
import { matchesName, type ChatopsConfig, type NotificationsConfig, type NotifyTarget } from '../config/triggers';

export interface DeliveryOptions {
  config: NotificationsConfig;
  chatops?: ChatopsConfig;
  /** The run's Web UI link is added when known. */
  url?: string;
  env?: NodeJS.ProcessEnv;
  onFailure?: (target: string, error: string) => void;
  /** Backoff between tries, ms (default 500 · 2^try). */
  backoffMs?: (attempt: number) => number;
}

/** The targets that want this event of this runbook on this cluster. */
export function targetsFor(config: NotificationsConfig, n: Pick<Notification, 'event' | 'runbook' | 'cluster'>): NotifyTarget[] {
  return config.targets.filter((t) => t.events.includes(n.event) && matchesName(t.runbooks, n.runbook) && matchesName(t.clusters, n.cluster));
}

/** The events any target wants for this runbook and cluster (a run sends only these). */
export function eventsFor(config: NotificationsConfig, runbook: string, cluster: string): Notification['event'][] {
  const events = new Set<Notification['event']>();
  for (const t of config.targets) if (matchesName(t.runbooks, runbook) && matchesName(t.clusters, cluster)) t.events.forEach((e) => events.add(e));
  return [...events];
}

/** Delivers to every matching target; resolves with the names of the targets that got it. Never rejects. */
export async function deliver(n: Notification, options: DeliveryOptions): Promise<string[]> {
  const delivered: string[] = [];
  await Promise.all(
    targetsFor(options.config, n).map(async (target) => {
      let last = '';
      for (let attempt = 0; attempt < options.config.attempts; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, options.backoffMs?.(attempt) ?? 500 * 2 ** (attempt - 1)));
        try {
          await send(target, n, options);
          delivered.push(target.name);
          return;
        } catch (err) {
          last = err instanceof Error ? err.message : String(err);
        }
      }
      options.onFailure?.(target.name, `${last} (after ${options.config.attempts} tries)`);
    }),
  );
  return delivered;
}

const EMOJI: Record<Notification['event'], string> = {
  started: ':arrow_forward:',
  approval: ':raised_hand:',
  stuck: ':warning:',
  windowPaused: ':double_vertical_bar:',
  failed: ':x:',
  completed: ':white_check_mark:',
};

async function send(target: NotifyTarget, n: Notification, options: DeliveryOptions): Promise<void> {
  const env = options.env ?? process.env;
  const timeout = options.config.timeoutSeconds * 1000;
  if ('webhook' in target) {
    const url = typeof target.webhook.url === 'string' ? target.webhook.url : resolveSecret(target.webhook.url, env);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, ref] of Object.entries(target.webhook.headers)) headers[name] = resolveSecret(ref, env);
    const res = await request(url, { method: 'POST', headers, body: JSON.stringify({ ...n, ...(options.url ? { url: options.url } : {}) }), headersTimeout: timeout, bodyTimeout: timeout });
    await res.body.dump();
    // The URL may be a secret (given by reference): the error names the target, never the URL.
    if (res.statusCode >= 300) throw new Error(`webhook answered HTTP ${res.statusCode}`);
    return;
  }
  const tokenRef = target.slack.token ?? options.chatops?.botToken;
  if (!tokenRef) throw new Error('slack: no token (give slack.token, or chatops.botToken)');
  const token = resolveSecret(tokenRef, env);
  const apiUrl = target.slack.apiUrl ?? options.chatops?.apiUrl ?? 'https://slack.com/api/';
  const text = `${EMOJI[n.event]} ${n.text}${options.url ? ` — <${options.url}|open the run>` : ''}`;
  const res = await request(`${apiUrl.replace(/\/?$/, '/')}chat.postMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
    body: JSON.stringify({ channel: target.slack.channel, text, unfurl_links: false }),
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const body = (await res.body.json().catch(() => ({}))) as { ok?: boolean; error?: string };
  if (res.statusCode >= 300 || body.ok !== true) throw new Error(`slack answered HTTP ${res.statusCode}${body.error ? ` (${body.error})` : ''}`);
}
