/**
 * One formatter per surface for the progress events (design.md "One control surface"): the terminal (CLI watch,
 * the `log` lines of the `progress` query), the Web UI's current details (Markdown), and chat (Slack mrkdwn). Each
 * is a table with an entry for every event kind: the compiler fails when one misses a kind. Pure, sandbox-safe.
 */
import type { EventOf, Progress, ProgressEvent, ProgressEventKind, StepStatus } from '../contracts/progress';
import { clock, dateTime, duration } from './time';

export type EventFormatter = { [K in ProgressEventKind]: (e: EventOf<K>) => string };

const by = (who: string | undefined) => (who ? ` by ${who}` : '');
const until = (deadline: string | undefined) => (deadline ? ` (until ${clock(deadline)} UTC)` : '');
const more = (remaining: number) => (remaining > 0 ? ` (${remaining} more approval${remaining > 1 ? 's' : ''} needed)` : '');

const operatorWords: Record<EventOf<'operator'>['action'], string> = {
  approve: 'approval',
  pause: 'paused',
  resume: 'resumed',
  abort: 'abort requested',
  complete: 'work marked complete',
  extend: 'wait extended',
  skip: 'wait skipped',
};

/** Plain text, one line an event: the CLI's watch view and the run's `log`. */
export const terminal: EventFormatter = {
  stepStarted: (e) => `${e.step}${e.action ? `: ${e.action}` : ''}`,
  stepFinished: (e) => `${e.step}: done${e.note ? ` (${e.note})` : ''}`,
  stepSkipped: (e) => `${e.step}: skipped (${e.reason})`,
  stepFailed: (e) => `${e.step}: failed${e.failureType ? ` [${e.failureType}]` : ''} (${e.error})`,
  waitStarted: (e) => `waiting for ${e.what}${until(e.deadline)}`,
  waitDiagnosed: (e) => (e.stuck ? `stuck: ${e.what} did not happen by the deadline: ${e.diagnosis}` : `still waiting for ${e.what}: ${e.diagnosis}`),
  waitExtended: (e) => `wait extended by ${e.minutes} min${by(e.by)}${until(e.deadline)}`,
  waitEnded: (e) => `${e.what}: ${e.outcome}${by(e.by)} after ${duration(e.seconds)}${e.reason ? ` (${e.reason})` : ''}`,
  approvalAsked: (e) =>
    `awaiting approval: ${e.what}${e.approvers.length ? ` (approvers: ${e.approvers.join(', ')})` : ''}${e.required > 1 ? `, ${e.required} approvals needed` : ''}${e.confirm ? `; the approval must confirm '${e.confirm}'` : ''}`,
  approvalGiven: (e) => `approved by ${e.approver}: ${e.reason}${more(e.remaining)}`,
  operator: (e) =>
    e.refused
      ? `${e.action}${by(e.by)} refused: ${e.refused}`
      : `${operatorWords[e.action]}${by(e.by)}${e.reason ? `: ${e.reason}` : ''}${e.action === 'pause' ? ' (the current step finishes; the next waits for resume)' : ''}`,
  compensationStarted: (e) => `compensating: ${e.reason}`,
  compensationDone: (e) => `compensation: ${e.summary}`,
  note: (e) => e.text,
  runEnded: (e) => `run ${e.outcome}: ${e.summary}`,
};

/** Markdown for the Web UI's current details (one list item an event). */
export const markdown: EventFormatter = {
  stepStarted: (e) => `▶ **${e.step}**${e.action ? ` — ${e.action}` : ''}`,
  stepFinished: (e) => `✔ **${e.step}**${e.note ? ` — ${e.note}` : ''}`,
  stepSkipped: (e) => `↷ **${e.step}** skipped — ${e.reason}`,
  stepFailed: (e) => `✖ **${e.step}** failed${e.failureType ? ` (\`${e.failureType}\`)` : ''} — ${e.error}`,
  waitStarted: (e) => `⏳ waiting for ${e.what}${until(e.deadline)}`,
  waitDiagnosed: (e) => `${e.stuck ? '⚠ **stuck**' : '⏳'} ${e.what}: ${e.diagnosis}`,
  waitExtended: (e) => `⏳ wait extended by ${e.minutes} min${by(e.by)}${until(e.deadline)}`,
  waitEnded: (e) => `⏹ ${e.what}: **${e.outcome}**${by(e.by)} after ${duration(e.seconds)}${e.reason ? ` — ${e.reason}` : ''}`,
  approvalAsked: (e) => `✋ **awaiting approval**: ${e.what}${e.approvers.length ? ` (approvers: ${e.approvers.join(', ')})` : ''}${e.confirm ? ` — confirm \`${e.confirm}\`` : ''}`,
  approvalGiven: (e) => `👍 approved by **${e.approver}**: ${e.reason}${more(e.remaining)}`,
  operator: (e) => (e.refused ? `🚫 \`${e.action}\`${by(e.by)} refused: ${e.refused}` : `👤 ${operatorWords[e.action]}${by(e.by)}${e.reason ? `: ${e.reason}` : ''}`),
  compensationStarted: (e) => `↩ **compensating**: ${e.reason}`,
  compensationDone: (e) => `↩ compensation: ${e.summary}`,
  note: (e) => e.text,
  runEnded: (e) => `■ run **${e.outcome}**: ${e.summary}`,
};

/** Slack mrkdwn for chat threads. */
export const chat: EventFormatter = {
  stepStarted: (e) => `:arrow_forward: *${e.step}*${e.action ? ` — ${e.action}` : ''}`,
  stepFinished: (e) => `:white_check_mark: *${e.step}*${e.note ? ` — ${e.note}` : ''}`,
  stepSkipped: (e) => `:fast_forward: *${e.step}* skipped — ${e.reason}`,
  stepFailed: (e) => `:x: *${e.step}* failed${e.failureType ? ` (\`${e.failureType}\`)` : ''} — ${e.error}`,
  waitStarted: (e) => `:hourglass_flowing_sand: waiting for ${e.what}${until(e.deadline)}`,
  waitDiagnosed: (e) => `${e.stuck ? ':warning: *stuck*' : ':hourglass:'} ${e.what}: ${e.diagnosis}`,
  waitExtended: (e) => `:hourglass_flowing_sand: wait extended by ${e.minutes} min${by(e.by)}${until(e.deadline)}`,
  waitEnded: (e) => `:stop_button: ${e.what}: *${e.outcome}*${by(e.by)} after ${duration(e.seconds)}${e.reason ? ` — ${e.reason}` : ''}`,
  approvalAsked: (e) => `:raised_hand: *awaiting approval*: ${e.what}${e.approvers.length ? ` (approvers: ${e.approvers.join(', ')})` : ''}${e.confirm ? ` — confirm \`${e.confirm}\`` : ''}`,
  approvalGiven: (e) => `:+1: approved by *${e.approver}*: ${e.reason}${more(e.remaining)}`,
  operator: (e) => (e.refused ? `:no_entry: \`${e.action}\`${by(e.by)} refused: ${e.refused}` : `:bust_in_silhouette: ${operatorWords[e.action]}${by(e.by)}${e.reason ? `: ${e.reason}` : ''}`),
  compensationStarted: (e) => `:leftwards_arrow_with_hook: *compensating*: ${e.reason}`,
  compensationDone: (e) => `:leftwards_arrow_with_hook: compensation: ${e.summary}`,
  note: (e) => e.text,
  runEnded: (e) => `:black_square_for_stop: run *${e.outcome}*: ${e.summary}`,
};

/** One event with a surface's formatter. */
export function formatEvent(formatter: EventFormatter, event: ProgressEvent): string {
  return (formatter[event.kind] as (e: ProgressEvent) => string)(event);
}

/** A terminal line of the run's log: `<ISO time> <text>`. */
export function logLine(event: ProgressEvent): string {
  return `${event.at} ${formatEvent(terminal, event)}`;
}

const icon: Record<StepStatus, string> = { pending: '○', running: '▶', done: '✔', skipped: '↷', failed: '✖' };

/** The Web UI's current details: phase, steps, current wait (and what to do when stuck), actions, last events. */
export function currentDetails(p: Progress): string {
  const lines = [
    `**${p.runbook}**${p.target ? ` on ${p.cluster}: ${p.target}` : ''} — phase: **${p.phase}**${p.paused ? ` — ⏸ paused${by(p.paused.by)}: ${p.paused.reason}` : ''}`,
    '',
  ];
  for (const s of p.steps) lines.push(`- ${icon[s.status]} ${s.name}${s.note ? ` — ${s.note}` : ''}`);
  if (p.wait) {
    lines.push('', `**Waiting for:** ${p.wait.what} (since ${dateTime(p.wait.since)}${p.wait.deadline ? `, deadline ${dateTime(p.wait.deadline)}` : ''})`);
    if (p.wait.stuck) lines.push('', '**Stuck: the deadline passed.** Decide with an Update: `extend {minutes}`, `skip {reason}` or `abort {reason}`.');
    if (p.wait.diagnosis) lines.push('', p.wait.diagnosis);
  }
  if (p.operatorActions.length > 0) lines.push('', `Operator actions now: ${p.operatorActions.map((a) => `\`${a}\``).join(', ')}`);
  const recent = (p.events ?? []).slice(-8);
  if (recent.length > 0) lines.push('', '**Recent events** (UTC)', '', ...recent.map((e) => `- ${clock(e.at)} ${formatEvent(markdown, e)}`));
  return lines.join('\n');
}
