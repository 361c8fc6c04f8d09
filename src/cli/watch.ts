import type { Progress, ProgressEvent } from '../contracts';
import { formatEvent, terminal } from '../progress/format';
import { clock, dateTime } from '../progress/time';
import type { RunbookClient, RunReference } from '../temporal/control';

export interface WatchOptions {
  /** Where lines go (default stdout). */
  print?: (line: string) => void;
  /** Query interval, ms (default 500). */
  intervalMs?: number;
  /** Stop once this holds (default: at the run's end). */
  until?: (p: Progress) => boolean;
}

/**
 * Follows a run in the terminal: one line per progress event (`HH:MM:SS <what happened>`, UTC), until it closes or
 * `until` holds. Resolves with the last progress.
 */
export async function watchRun(client: RunbookClient, ref: RunReference, options: WatchOptions = {}): Promise<Progress | undefined> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  return client.follow(ref, (event) => print(eventLine(event)), { intervalMs: options.intervalMs, until: options.until });
}

/** `14:03:05 drain: done (DRAIN_AGENT accepted)` */
export function eventLine(event: ProgressEvent): string {
  return `  ${clock(event.at)} ${formatEvent(terminal, event)}`;
}

/** A run's state at a glance: phase, steps, the current wait, what an operator may do, the last events. */
export function printProgress(p: Progress): string {
  const lines = [`${p.runbook}${p.target ? ` on ${p.cluster}: ${p.target}` : ''} — phase: ${p.phase}${p.paused ? ` (paused by ${p.paused.by ?? 'an operator'}: ${p.paused.reason})` : ''}`];
  for (const s of p.steps) lines.push(`  ${s.status.padEnd(8)} ${s.name}${s.note ? ` — ${s.note}` : ''}`);
  if (p.wait) {
    lines.push(`waiting for: ${p.wait.what} (since ${dateTime(p.wait.since)}${p.wait.deadline ? `, deadline ${dateTime(p.wait.deadline)}` : ''})${p.wait.stuck ? ' — STUCK: extend, skip or abort' : ''}`);
    if (p.wait.diagnosis) lines.push(`  ${p.wait.diagnosis}`);
  }
  lines.push(`you may: ${p.operatorActions.length ? p.operatorActions.join(', ') : 'nothing (the run is over)'}`);
  const recent = p.events?.slice(-5).map(eventLine) ?? p.log.slice(-5).map((l) => `  ${l}`);
  if (recent.length) lines.push('recent:', ...recent);
  return `${lines.join('\n')}\n`;
}
