import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { SearchAttributes } from '../../src/temporal/search-attributes';

export type StepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface ProgressStep {
  name: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  note?: string;
}

export interface ProgressWait {
  what: string;
  since: string;
  deadline?: string;
  diagnosis?: string;
  /** True once the deadline passed and the run waits for an operator decision (extend, skip, abort). */
  stuck?: boolean;
}

/** What the `progress` query returns and what the Web UI's current details show. */
export interface Progress {
  runbook: string;
  phase: string;
  steps: ProgressStep[];
  wait?: ProgressWait;
  /** The Updates an operator may send now, e.g. ["pause", "abort"]. */
  operatorActions: string[];
  /** Set when the run is paused: by whom and why. */
  paused?: { by?: string; reason: string; since: string };
  log: string[];
}

/**
 * Keeps one run's progress: the step list, the current wait, a short log; mirrors it to the Web UI
 * (`setCurrentDetails`) and to the `RunbookPhase` search attribute on every phase change.
 */
export class ProgressTracker {
  private readonly state: Progress;

  constructor(runbook: string, stepNames: string[]) {
    this.state = { runbook, phase: 'starting', steps: stepNames.map((name) => ({ name, status: 'pending' })), operatorActions: [], log: [] };
    this.render();
  }

  get snapshot(): Progress {
    return this.state;
  }

  /** Marks a step running and makes it the phase. */
  start(step: string, note?: string): void {
    const s = this.step(step);
    s.status = 'running';
    s.startedAt = now();
    if (note) s.note = note;
    this.state.phase = step;
    this.state.wait = undefined;
    this.say(`${step}${note ? `: ${note}` : ''}`);
    upsertSearchAttributes([{ key: SearchAttributes.RunbookPhase, value: step }]);
  }

  finish(step: string, status: Exclude<StepStatus, 'pending' | 'running'> = 'done', note?: string): void {
    const s = this.step(step);
    s.status = status;
    s.endedAt = now();
    if (note) s.note = note;
    this.state.wait = undefined;
    this.say(`${step}: ${status}${note ? ` (${note})` : ''}`);
  }

  waiting(wait: Omit<ProgressWait, 'since'> & { since?: string }): void {
    this.state.wait = { since: now(), ...wait };
    this.render();
  }

  clearWait(): void {
    this.state.wait = undefined;
    this.render();
  }

  setActions(actions: string[]): void {
    this.state.operatorActions = actions;
    this.render();
  }

  setPaused(paused: Progress['paused']): void {
    this.state.paused = paused;
    this.render();
  }

  /** Adds a step that was not planned (compensation steps, say). */
  addStep(name: string): void {
    if (!this.state.steps.some((s) => s.name === name)) this.state.steps.push({ name, status: 'pending' });
  }

  /** The status of a step, for runbooks deciding what to compensate. */
  statusOf(name: string): StepStatus | undefined {
    return this.state.steps.find((s) => s.name === name)?.status;
  }

  /** A line in the run's log (kept short: the last 50). */
  say(line: string): void {
    this.state.log.push(`${now()} ${line}`);
    if (this.state.log.length > 50) this.state.log.splice(0, this.state.log.length - 50);
    this.render();
  }

  setPhase(phase: string): void {
    this.state.phase = phase;
    upsertSearchAttributes([{ key: SearchAttributes.RunbookPhase, value: phase }]);
    this.render();
  }

  private step(name: string): ProgressStep {
    const s = this.state.steps.find((x) => x.name === name);
    if (!s) throw new Error(`unknown step ${name}`);
    return s;
  }

  private render(): void {
    setCurrentDetails(renderMarkdown(this.state));
  }
}

const icon: Record<StepStatus, string> = { pending: '○', running: '▶', done: '✔', skipped: '↷', failed: '✖' };

/** The Web UI's "current details": phase, steps, current wait, last log lines. */
export function renderMarkdown(p: Progress): string {
  const lines = [`**${p.runbook}** — phase: **${p.phase}**${p.paused ? ` — ⏸ paused by ${p.paused.by ?? 'an operator'}: ${p.paused.reason}` : ''}`, ''];
  for (const s of p.steps) lines.push(`- ${icon[s.status]} ${s.name}${s.note ? ` — ${s.note}` : ''}`);
  if (p.wait) {
    lines.push('', `Waiting for: ${p.wait.what} (since ${p.wait.since}${p.wait.deadline ? `, deadline ${p.wait.deadline}` : ''})`);
    if (p.wait.stuck) lines.push('', '**Stuck: the deadline passed.** Decide with an Update: `extend {minutes}`, `skip {reason}` or `abort {reason}`.');
    if (p.wait.diagnosis) lines.push('', p.wait.diagnosis);
  }
  if (p.operatorActions.length > 0) lines.push('', `Operator actions now: ${p.operatorActions.map((a) => `\`${a}\``).join(', ')}`);
  const tail = p.log.slice(-5);
  if (tail.length > 0) lines.push('', '```', ...tail, '```');
  return lines.join('\n');
}

function now(): string {
  // Workflow time: deterministic, replay-safe.
  return new Date(Date.now()).toISOString();
}

