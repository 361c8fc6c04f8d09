/**
 * The report for people: a terminal summary (what to look at first) and a Markdown file that pastes into a change
 * ticket (everything, in sections). Times are predicted real time from the run's start, `h:mm:ss`.
 */
import { duration } from '../progress/time';
import type { BatchReport, RehearsalReport } from './report';
import { clock } from './timing';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The changes Mesos received, counted by call type: `DRAIN_AGENT ×12, REACTIVATE_AGENT ×12`. */
function callCounts(report: RehearsalReport): string {
  const counts = new Map<string, number>();
  for (const c of report.mesosCalls) counts.set(c.call, (counts.get(c.call) ?? 0) + 1);
  return [...counts.entries()].map(([call, n]) => `${call} ×${n}`).join(', ');
}

function refused(report: RehearsalReport) {
  return report.mesosCalls.filter((c) => c.outcome === 'rejected');
}

function outcomeLine(report: RehearsalReport): string {
  const r = report.result as { done?: number; failed?: number; skipped?: number; batches?: number } | undefined;
  const fleet = r && typeof r.done === 'number' ? ` — ${r.done} done, ${r.failed ?? 0} failed, ${r.skipped ?? 0} skipped (${plural(r.batches ?? 0, 'batch', 'batches')})` : '';
  const why = report.failure ? `: ${report.failure.type ? `${report.failure.type}: ` : ''}${report.failure.message}` : '';
  return `${report.outcome}${fleet}${why}`;
}

function batchLine(b: BatchReport): string {
  const when = b.start !== undefined ? ` ${clock(b.start)}${b.end !== undefined ? `–${clock(b.end)}` : ''}` : '';
  const held = b.blockedSeconds > 0 || b.blockedBy.length > 0 ? `; waited ${duration(b.blockedSeconds)} at its gates: ${b.blockedBy.map((g) => `${g.gate} (${g.reason})`).join('; ') || 'closed'}` : b.gates.length ? '; gates open' : '';
  return `batch ${b.index + 1}${b.canary ? ' (canary)' : ''} [${b.status}]${when}: ${b.machines.map((m) => `${m.hostname}${m.status && m.status !== 'done' ? ` (${m.status})` : ''}`).join(', ')}${held}`;
}

/** What a gate or wait that never opened says: which machines it held and why. */
function blockers(report: RehearsalReport): string[] {
  return report.waits
    .filter((w) => w.closedGates && w.closedGates.length > 0)
    .map((w) => `${w.batch ? `batch ${w.batch} (${(w.machines ?? []).join(', ')})` : w.what}: ${w.closedGates!.map((g) => `gate ${g.gate} closed — ${g.reason}`).join('; ')}; for ${duration(w.seconds)}${w.outcome ? ` (${w.outcome})` : ' (still closed at the end)'}`);
}

/** Why a run paused at its window: the time left in real time, then the run's own words (on the rehearsal's clock). */
function pauseText(p: RehearsalReport['windowPauses'][number]): string {
  const left = p.leftSeconds !== undefined && p.notAfter ? `${duration(p.leftSeconds)} left of the window (it ends ${p.notAfter}); ` : '';
  return `${left}the run said: ${p.reason}${left ? ' (on the rehearsal\'s clock)' : ''}`;
}

/** The summary printed at the end of `mesos-runbooks rehearse`. */
export function terminalSummary(report: RehearsalReport, files?: { json: string; markdown: string }): string {
  const s = report.snapshot;
  const lines = [
    `Rehearsal of ${report.runbook} on ${report.cluster} — snapshot of ${s.cluster} taken ${s.takenAt}${s.mesosVersion ? `, Mesos ${s.mesosVersion}` : ''}, ${s.agents} agents, ${s.tasks} tasks`,
    `Outcome: ${outcomeLine(report)}`,
    `Predicted duration: ${report.predicted.text} (rehearsed in ${duration(report.rehearsalSeconds)} at speed ${report.speed}${report.predicted.humanWaits.approvals + report.predicted.humanWaits.stuck > 0 ? '; plus the time people take to answer' : ''})`,
  ];
  if (report.approvals.length) {
    lines.push(`Approvals it waits for: ${report.approvals.length}`);
    for (const a of report.approvals) lines.push(`  ${clock(a.t)} ${a.what} (${a.required} of ${a.approvers.length ? a.approvers.join(', ') : 'anyone'}) — ${a.outcome}${a.by.length ? ` by ${a.by.join(', ')}` : ''}${a.note ? `: ${a.note}` : ''}`);
  }
  if (report.batches) {
    lines.push(`Batches: ${report.batches.length}`);
    for (const b of report.batches) lines.push(`  ${batchLine(b)}`);
  }
  const blocked = blockers(report);
  if (blocked.length) {
    lines.push('Gates that would block:');
    for (const b of blocked) lines.push(`  ${b}`);
  }
  for (const x of report.stuck) lines.push(`Stuck at ${clock(x.t)}: ${x.what} — ${x.diagnosis} (the rehearsal answered: ${x.answer})`);
  for (const p of report.windowPauses) lines.push(`Paused at ${clock(p.t)}: ${pauseText(p)} — a real run waits for the next window (resume); the rehearsal stopped there`);
  const m = report.timeline;
  if (m.machines.length) {
    const mean = m.machines.reduce((sum, x) => sum + x.seconds, 0) / m.machines.length;
    const notBack = m.machines.filter((x) => !x.back).map((x) => x.hostname);
    lines.push(`Machines out: ${m.machines.length}, at most ${m.maxOut.out} at once (at ${clock(m.maxOut.t)}), ${duration(mean)} each on average${notBack.length ? `; still out at the end: ${notBack.join(', ')}` : ''}`);
  }
  const rej = refused(report);
  lines.push(`Mesos changes: ${report.mesosCalls.length}${report.mesosCalls.length ? ` (${callCounts(report)})` : ''}${rej.length ? `; ${rej.length} refused: ${rej.map((c) => `${c.call} ${c.status}${c.answer ? ` ${c.answer}` : ''}`).join('; ')}` : ''}`);
  lines.push(`Reads: ${Object.entries(report.reads).map(([call, r]) => `${call} ×${r.count}`).join(', ') || 'none'}`);
  lines.push(`Failures: ${report.failures.length ? report.failures.map((f) => `${f.workflowId}${f.step ? ` at ${f.step}` : ''}: ${f.type ? `${f.type}: ` : ''}${f.message}`).join('; ') : 'none'}`);
  lines.push(`Task kill times: ${report.exitModel.statement}`);
  for (const note of [...report.rewrites, ...report.notes]) lines.push(`Note: ${note}`);
  if (files) lines.push(`Report: ${files.markdown} (for the ticket), ${files.json}`);
  return `${lines.join('\n')}\n`;
}

const cell = (v: unknown) => String(v ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = (head: string[], rows: unknown[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

/** A bar per machine over the predicted duration (40 columns): when it was out. */
function bars(report: RehearsalReport): string[] {
  const total = Math.max(1, report.predicted.seconds);
  const width = 40;
  const byHost = new Map<string, { from: number; to: number }[]>();
  for (const m of report.timeline.machines) byHost.set(m.hostname, [...(byHost.get(m.hostname) ?? []), m]);
  const name = Math.max(...[...byHost.keys()].map((h) => h.length), 7);
  return [...byHost.entries()].map(([host, spans]) => {
    const row = Array.from({ length: width }, (_, i) => {
      const at = ((i + 0.5) / width) * total;
      return spans.some((s) => at >= s.from && at < s.to) ? '█' : '·';
    }).join('');
    return `${host.padEnd(name)} ${row}`;
  });
}

/** The Markdown report: pastes into a ticket. */
export function markdownReport(report: RehearsalReport): string {
  const s = report.snapshot;
  const out: string[] = [];
  out.push(`# Rehearsal: ${report.runbook} on ${report.cluster}`, '');
  out.push(table(['', ''], [
    ['Outcome', outcomeLine(report)],
    ['Predicted duration', `${report.predicted.text} (${report.predicted.seconds} s)`],
    ['Rehearsed in', `${duration(report.rehearsalSeconds)} at speed ${report.speed}, started ${report.startedAt}`],
    ['Snapshot', `${s.cluster}, taken ${s.takenAt}${s.mesosVersion ? `, Mesos ${s.mesosVersion}` : ''}: ${s.agents} agents, ${s.frameworks} frameworks, ${s.tasks} tasks${s.redacted ? ' (redacted)' : ''}`],
    ['Approvals', report.approvals.length ? `${report.approvals.length} (people's time not in the prediction)` : 'none'],
    ['Mesos changes', `${report.mesosCalls.length}${report.mesosCalls.length ? `: ${callCounts(report)}` : ''}`],
    ['Machines out', report.timeline.machines.length ? `${report.timeline.machines.length}, at most ${report.timeline.maxOut.out} at once` : 'none'],
    ['Failures', report.failures.length || 'none'],
  ]), '');
  out.push('## Input', '', '```json', JSON.stringify(report.input, null, 2), '```', '');
  if (report.rewrites.length) out.push(...report.rewrites.map((r) => `- ${r}`), '');
  out.push('## How the duration is predicted', '', `${report.predicted.method}. In all: ${report.predicted.scaledSeconds} s of cluster time and timers, ${report.predicted.engineSeconds} s of engine time. The rehearsal's wall time × speed would say ${duration(report.predicted.wallTimesSpeedSeconds)}.`, '');
  if (report.approvals.length) {
    out.push('## Approvals it would wait for', '');
    out.push(table(['at', 'run', 'what', 'needs', 'answered'], report.approvals.map((a) => [clock(a.t), a.workflowId, a.what + (a.confirm ? ` (naming ${a.confirm})` : ''), `${a.required} of ${a.approvers.join(', ') || 'anyone'}`, `${a.outcome}${a.by.length ? ` by ${a.by.join(', ')}` : ''}${a.note ? `: ${a.note}` : ''}`])), '');
  }
  if (report.batches) {
    out.push('## Batches and gates', '');
    out.push(table(['batch', 'machines', 'start', 'end', 'status', 'gates'], report.batches.map((b) => [
      `${b.index + 1}${b.canary ? ' (canary)' : ''}`,
      b.machines.map((m) => m.hostname).join(', '),
      b.start !== undefined ? clock(b.start) : '',
      b.end !== undefined ? clock(b.end) : '',
      b.status,
      b.blockedBy.length || b.blockedSeconds > 0 ? `waited ${duration(b.blockedSeconds)}: ${b.blockedBy.map((g) => `${g.gate} — ${g.reason}`).join('; ')}` : b.gates.map((g) => `${g.name} ${g.open ? 'open' : `closed: ${g.reason}`}`).join('; ') || '—',
    ])), '');
  }
  const blocked = blockers(report);
  if (blocked.length) out.push('### Gates that would block', '', ...blocked.map((b) => `- ${b}`), '');
  if (report.stuck.length) {
    out.push('## Waits stuck past their deadline', '');
    out.push(table(['at', 'run', 'what', 'diagnosis', 'the rehearsal answered'], report.stuck.map((x) => [clock(x.t), x.workflowId, x.what, x.diagnosis, x.answer])), '');
  }
  if (report.windowPauses.length) {
    out.push('## Paused at the window\'s end', '', ...report.windowPauses.map((p) => `- ${clock(p.t)} ${p.workflowId}: ${pauseText(p)}. A real run waits for the next window (resume); the rehearsal stopped there.`), '');
  }
  if (report.failures.length) {
    out.push('## Failures', '');
    out.push(table(['run', 'step', 'type', 'message'], report.failures.map((f) => [f.workflowId, f.step ?? '', f.type ?? '', f.message])), '');
  }
  out.push('## Machines out over time', '');
  if (report.timeline.machines.length) {
    out.push('```', `${''.padEnd(Math.max(7, ...report.timeline.machines.map((m) => m.hostname.length)))} 0${' '.repeat(38)}${report.predicted.text}`, ...bars(report), '```', '');
    out.push(table(['machine', 'out from', 'back at', 'out for', 'states'], report.timeline.machines.map((m) => [m.hostname, clock(m.from), m.back ? clock(m.to) : 'not back', duration(m.seconds), m.states.join(' → ')])), '');
    out.push(`Out at once: ${report.timeline.outAtOnce.map((x) => `${clock(x.t)} ${x.out}`).join(', ')}`, '');
  } else out.push('No machine left service.', '');
  out.push('## Mesos calls', '', `Every change Mesos received, in order (reads: ${Object.entries(report.reads).map(([c, r]) => `${c} ×${r.count}${r.failed ? ` (${r.failed} failed)` : ''}`).join(', ') || 'none'}).`, '');
  out.push(table(['#', 'at', 'call', 'target', 'answer'], report.mesosCalls.map((c) => [c.seq, clock(c.t), c.call, c.hostname ? `${c.hostname} (${c.target})` : (c.target ?? ''), `${c.status} ${c.outcome}${c.answer ? `: ${c.answer}` : ''}`])), '');
  out.push('## Runs', '');
  out.push(table(['run', 'runbook', 'status', 'start', 'end', 'steps'], report.runs.map((r) => [r.workflowId, r.runbook, r.status, clock(r.start), clock(r.end), r.steps.map((st) => `${st.name}: ${st.status}`).join(', ')])), '');
  out.push('## What the rehearsal assumes', '');
  out.push(`- Task kill times: ${report.exitModel.statement}.`);
  if (report.exitModel.frameworks.length) {
    out.push('', table(['framework', 'tasks', 'grace period', 'after SIGTERM', 'a kill takes'], report.exitModel.frameworks.map((f) => [f.framework, f.tasks, `${f.graceSeconds.min}–${f.graceSeconds.max} s`, f.exitAfterSigterm === 'grace' ? 'waits for SIGKILL' : `${f.exitAfterSigterm} s`, `${f.killSeconds.min}–${f.killSeconds.max} s`])), '');
  }
  out.push(`- A machine's agent comes back ${report.exitModel.agentReturnSeconds} s after STOP_MAINTENANCE.`);
  for (const x of report.standIns) out.push(`- Not called: ${x.url} (${x.purpose}); the rehearsal answered ${x.answered} in its place (${plural(x.calls, 'call')}).`);
  for (const w of report.snapshot.notModelled) out.push(`- Kept but not modelled by the simulator: ${w}`);
  for (const n of report.notes) out.push(`- ${n}`);
  out.push('');
  return out.join('\n');
}
