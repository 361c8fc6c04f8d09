import type { NewEvent, Progress, ProgressEvent, ProgressEventKind } from '../../../src/contracts';
import { chat, currentDetails, formatEvent, logLine, markdown, terminal } from '../../../src/progress/format';
import { clock, dateTime, dateTimeFromNs, duration } from '../../../src/progress/time';

/** One event of every kind (the compiler checks this table is complete too). */
const samples: { [K in ProgressEventKind]: Extract<NewEvent, { kind: K }> } = {
  stepStarted: { kind: 'stepStarted', step: 'drain', action: 'DRAIN_AGENT S1 (max grace 1 min)' },
  stepFinished: { kind: 'stepFinished', step: 'drain', note: 'DRAIN_AGENT accepted' },
  stepSkipped: { kind: 'stepSkipped', step: 'drain', reason: 'already DRAINED' },
  stepFailed: { kind: 'stepFailed', step: 'drain', error: 'Agent is in the maintenance schedule', failureType: 'MESOS_BAD_REQUEST' },
  waitStarted: { kind: 'waitStarted', wait: 'mesos', what: 'agent S1 DRAINED', deadline: '2026-12-01T10:13:00.000Z' },
  waitDiagnosed: { kind: 'waitDiagnosed', what: 'agent S1 DRAINED', diagnosis: '2 task(s) not terminal yet', stuck: true },
  waitExtended: { kind: 'waitExtended', what: 'agent S1 DRAINED', minutes: 15, deadline: '2026-12-01T10:28:00.000Z', by: 'bob' },
  waitEnded: { kind: 'waitEnded', what: 'agent S1 DRAINED', outcome: 'met', seconds: 125 },
  approvalAsked: { kind: 'approvalAsked', what: 'drain agent S1', approvers: ['alice', 'bob'], required: 2, confirm: 'S1' },
  approvalGiven: { kind: 'approvalGiven', what: 'drain agent S1', approver: 'alice', reason: 'OPS-1', remaining: 1 },
  operator: { kind: 'operator', action: 'pause', by: 'carol', reason: 'lunch' },
  compensationStarted: { kind: 'compensationStarted', reason: 'aborted by bob: wrong agent' },
  compensationDone: { kind: 'compensationDone', summary: 'reactivate: done (REACTIVATE_AGENT accepted).', cannotUndo: [] },
  note: { kind: 'note', text: 'reason: kernel upgrade' },
  runEnded: { kind: 'runEnded', outcome: 'done', summary: 'every step done' },
};
const events: ProgressEvent[] = Object.values(samples).map((e, i) => ({ ...e, seq: i + 1, at: '2026-12-01T10:03:05.123Z' }) as ProgressEvent);

describe('progress formatters', () => {
  it.each([
    ['terminal', terminal],
    ['markdown', markdown],
    ['chat', chat],
  ] as const)('%s formats every kind of event, with no missing field', (_name, formatter) => {
    for (const e of events) {
      const text = formatEvent(formatter, e);
      expect(text.length).toBeGreaterThan(5);
      expect(text).not.toMatch(/undefined|\[object Object\]/);
    }
  });

  it('terminal lines read as an operator expects (times as times)', () => {
    const line = (kind: ProgressEventKind) => formatEvent(terminal, events.find((e) => e.kind === kind)!);
    expect(line('stepFinished')).toBe('drain: done (DRAIN_AGENT accepted)');
    expect(line('stepSkipped')).toBe('drain: skipped (already DRAINED)');
    expect(line('waitStarted')).toBe('waiting for agent S1 DRAINED (until 10:13:00 UTC)');
    expect(line('waitEnded')).toBe('agent S1 DRAINED: met after 2 min 5 s');
    expect(line('approvalGiven')).toBe('approved by alice: OPS-1 (1 more approval needed)');
    expect(line('operator')).toBe('paused by carol: lunch (the current step finishes; the next waits for resume)');
    expect(line('approvalAsked')).toBe("awaiting approval: drain agent S1 (approvers: alice, bob), 2 approvals needed; the approval must confirm 'S1'");
    expect(formatEvent(terminal, { kind: 'operator', action: 'skip', by: 'eve', refused: 'reason: required (a non-empty string)', seq: 1, at: '' })).toBe('skip by eve refused: reason: required (a non-empty string)');
    expect(logLine(events[0]!)).toBe('2026-12-01T10:03:05.123Z drain: DRAIN_AGENT S1 (max grace 1 min)');
  });

  it('current details show the phase, steps, the wait (and what to do when stuck), actions and recent events', () => {
    const p: Progress = {
      runbook: 'drainAgent',
      cluster: 'prod',
      target: 'agent-1',
      phase: 'wait for DRAINED',
      steps: [
        { name: 'drain', status: 'done', note: 'DRAIN_AGENT accepted' },
        { name: 'wait for DRAINED', status: 'running' },
      ],
      wait: { what: 'agent S1 DRAINED', since: '2026-12-01T10:03:05.123Z', deadline: '2026-12-01T10:13:00.000Z', stuck: true, diagnosis: '2 task(s) not terminal yet' },
      operatorActions: ['extend', 'skip', 'abort'],
      log: [],
      events,
    };
    const md = currentDetails(p);
    expect(md).toMatch(/^\*\*drainAgent\*\* on prod: agent-1 — phase: \*\*wait for DRAINED\*\*/);
    expect(md).toContain('- ✔ drain — DRAIN_AGENT accepted');
    expect(md).toContain('**Waiting for:** agent S1 DRAINED (since 2026-12-01 10:03:05 UTC, deadline 2026-12-01 10:13:00 UTC)');
    expect(md).toContain('**Stuck: the deadline passed.**');
    expect(md).toContain('Operator actions now: `extend`, `skip`, `abort`');
    // The last event shows: the final line of a finished run is never missing.
    expect(md.trimEnd().split('\n').at(-1)).toBe('- 10:03:05 ■ run **done**: every step done');
  });

  it('times and durations', () => {
    expect(clock('2026-12-01T14:03:05.123Z')).toBe('14:03:05');
    expect(dateTime('2026-12-01T14:03:05.123Z')).toBe('2026-12-01 14:03:05 UTC');
    expect(dateTimeFromNs('1796108658792000000')).toBe('2026-12-01 07:04:18 UTC');
    expect([duration(0), duration(45), duration(125), duration(3600), duration(3 * 3600 + 600), duration(2 * 86_400 + 4 * 3600)]).toEqual(['0 s', '45 s', '2 min 5 s', '1 h', '3 h 10 min', '2 d 4 h']);
  });
});
