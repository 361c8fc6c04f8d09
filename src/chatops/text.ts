/**
 * What a person types into Slack, made readable (docs/chatops.md): phones turn quotes into smart quotes and spaces
 * into non-breaking ones, and Slack escapes `&`, `<` and `>` in slash command text. Pure.
 */

const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB\uFF02]/g;
const SINGLE_QUOTES = /[\u2018\u2019\u201A\u201B\u2032\uFF07]/g;
const SPACES = /[\u00A0\u2007\u202F\u2000-\u200A\u3000]/g;
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;

/** Smart quotes → ASCII quotes, non-breaking and other spaces → a space, zero-width characters removed, Slack's escapes undone. */
export function normalizeTyped(text: string): string {
  return text
    .replace(DOUBLE_QUOTES, '"')
    .replace(SINGLE_QUOTES, "'")
    .replace(SPACES, ' ')
    .replace(INVISIBLE, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

export const CHAT_COMMANDS = ['list', 'plan', 'start', 'status', 'approve', 'abort', 'freeze', 'unfreeze', 'help'] as const;
export type ChatCommandName = (typeof CHAT_COMMANDS)[number];

export type ChatCommand =
  | { name: 'list' | 'help' }
  | { name: 'plan' | 'start'; runbook: string; input: Record<string, unknown> }
  | { name: 'status'; run?: string }
  | { name: 'approve'; run: string; reason: string; confirm?: string }
  | { name: 'abort'; run: string; reason: string }
  | { name: 'freeze'; cluster: string; until: string; reason: string }
  | { name: 'unfreeze'; cluster: string; reason?: string };

/** A refusal of what was typed: says what is wrong and how it should read. */
export class ChatInputError extends Error {
  readonly code = 'INVALID_INPUT';
}

export const USAGE = [
  '`/runbook list` — the runbooks and their input fields',
  '`/runbook plan <runbook> <json>` — what a run would do (changes nothing)',
  '`/runbook start <runbook> <json>` — start it, e.g. `/runbook start drainAgent {"hostname":"agent-2","reason":"kernel upgrade"}`',
  '`/runbook status [<run>]` — one run, or the open runs',
  '`/runbook approve <run> [reason] [confirm=<target>]`',
  '`/runbook abort <run> <reason>`',
  '`/runbook freeze <cluster> <until: 2h | 2026-12-01T18:00Z> <reason>` · `/runbook unfreeze <cluster> [reason]`',
].join('\n');

/** Parses the text after `/runbook`; throws {@link ChatInputError} naming what is wrong. */
export function parseChatCommand(raw: string): ChatCommand {
  const text = normalizeTyped(raw);
  const [word = 'help', ...rest] = text.split(/\s+/).filter(Boolean);
  const name = word.toLowerCase();
  const tail = text.slice(word.length).trim();
  const need = (what: string, value: string | undefined): string => {
    if (!value) throw new ChatInputError(`${name}: ${what} is missing. Usage:\n${USAGE}`);
    return value;
  };
  switch (name) {
    case 'list':
    case 'help':
      return { name };
    case 'plan':
    case 'start': {
      const runbook = need('the runbook', rest[0]);
      const json = tail.slice(runbook.length).trim() || '{}';
      let input: unknown;
      try {
        input = JSON.parse(json);
      } catch (err) {
        throw new ChatInputError(`${name}: the input is not valid JSON (${(err as Error).message}); e.g. {"hostname":"agent-2","reason":"kernel upgrade"}`);
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ChatInputError(`${name}: the input is a JSON object, e.g. {"hostname":"agent-2","reason":"kernel upgrade"}`);
      return { name, runbook, input: input as Record<string, unknown> };
    }
    case 'status':
      return { name, ...(rest[0] ? { run: rest[0] } : {}) };
    case 'approve': {
      const run = need('the run', rest[0]);
      const words = rest.slice(1);
      const confirm = words.find((w) => w.startsWith('confirm='))?.slice('confirm='.length);
      const reason = words.filter((w) => !w.startsWith('confirm=')).join(' ') || 'approved in Slack';
      return { name, run, reason, ...(confirm ? { confirm } : {}) };
    }
    case 'abort':
      return { name, run: need('the run', rest[0]), reason: need('the reason', rest.slice(1).join(' ')) };
    case 'freeze':
      return { name, cluster: need('the cluster', rest[0]), until: need('until when (2h, 30m, or 2026-12-01T18:00:00Z)', rest[1]), reason: need('the reason', rest.slice(2).join(' ')) };
    case 'unfreeze':
      return { name, cluster: need('the cluster', rest[0]), ...(rest.length > 1 ? { reason: rest.slice(1).join(' ') } : {}) };
    default:
      throw new ChatInputError(`unknown command '${word}' (allowed: ${CHAT_COMMANDS.join(', ')}). Usage:\n${USAGE}`);
  }
}
