import { markdownReport, terminalSummary } from '../../../src/rehearsal/render';
import { REPORT_FORMAT, type RehearsalReport } from '../../../src/rehearsal/report';

/** A roll of four machines in two batches; the second held 5 min by a closed gate. */
function report(overrides: Partial<RehearsalReport> = {}): RehearsalReport {
  return {
    format: REPORT_FORMAT,
    runbook: 'rollingMaintenance',
    cluster: 'prod',
    input: { cluster: 'prod', batchSize: 2 },
    rewrites: ['gates.healthCheckUrl https://health.example.com is not called: the rehearsal answers 200 in its place (healthy)'],
    snapshot: { dir: '/s', cluster: 'prod', takenAt: '2026-12-01T10:00:00.000Z', mesosVersion: '1.11.0', agents: 4, frameworks: 1, tasks: 8, redacted: true, notModelled: [] },
    speed: 60,
    startedAt: '2026-12-01T11:00:00.000Z',
    rehearsalSeconds: 30,
    predicted: { seconds: 1_500, text: '25 min', scaledSeconds: 1_490, engineSeconds: 10, humanWaits: { approvals: 1, stuck: 0, answeredInSeconds: 0.2 }, wallTimesSpeedSeconds: 1_800, method: 'the method' },
    outcome: 'done',
    result: { batches: 2, done: 4, failed: 0, skipped: 0 },
    runs: [{ workflowId: 'rollingMaintenance/prod/all', runbook: 'rollingMaintenance', status: 'COMPLETED', start: 0, end: 1_500, steps: [{ name: 'roll', status: 'done' }] }],
    batches: [
      { index: 0, canary: true, status: 'done', machines: [{ hostname: 'a1' }, { hostname: 'a2' }], start: 1, end: 40, gates: [{ name: 'minActiveShare', open: true }], blockedSeconds: 0, blockedBy: [] },
      { index: 1, canary: false, status: 'done', machines: [{ hostname: 'a3' }, { hostname: 'a4' }], start: 1_000, end: 1_500, gates: [{ name: 'maxOtherDraining', open: true }], blockedSeconds: 300, blockedBy: [{ gate: 'maxOtherDraining', reason: '1 other agent(s) are draining: db-9 (DOWN)' }] },
    ],
    waits: [{ workflowId: 'rollingMaintenance/prod/all', what: 'the gates of batch 2 (maxOtherDraining)', kind: 'mesos', from: 700, to: 1_000, seconds: 300, outcome: 'met', closedGates: [{ gate: 'maxOtherDraining', reason: '1 other agent(s) are draining: db-9 (DOWN)' }], batch: 2, machines: ['a3', 'a4'] }],
    approvals: [{ workflowId: 'rollingMaintenance/prod/all', what: 'the canary went well: roll the rest', t: 45, required: 1, approvers: ['bob'], outcome: 'approved', by: ['bob'] }],
    operatorWork: [],
    stuck: [],
    windowPauses: [],
    failures: [],
    mesosCalls: [
      { seq: 1, t: 1, call: 'DRAIN_AGENT', target: 'S1', status: 200, outcome: 'applied', to: 'http://127.0.0.1:1' },
      { seq: 2, t: 40, call: 'REACTIVATE_AGENT', target: 'S1', status: 200, outcome: 'applied', to: 'http://127.0.0.1:1' },
      { seq: 3, t: 41, call: 'REACTIVATE_AGENT', target: 'S9', status: 400, outcome: 'rejected', answer: 'Agent is not deactivated', to: 'http://127.0.0.1:1' },
    ],
    reads: { GET_AGENTS: { count: 12, failed: 1 } },
    calls: [],
    timeline: {
      machines: [
        { hostname: 'a1', from: 1, to: 40, seconds: 39, states: ['draining', 'drained'], back: true },
        { hostname: 'a3', from: 1_000, to: 1_500, seconds: 500, states: ['draining'], back: false },
      ],
      outAtOnce: [{ t: 1, out: 1 }, { t: 40, out: 0 }, { t: 1_000, out: 1 }],
      maxOut: { out: 1, t: 1 },
    },
    exitModel: { statement: 'all tasks ignore SIGTERM', frameworks: [{ framework: 'marathon', frameworkId: 'F1', tasks: 8, graceSeconds: { min: 2, max: 30 }, exitAfterSigterm: 'grace', killSeconds: { min: 2, max: 30 } }], agentReturnSeconds: 5 },
    standIns: [{ url: 'https://health.example.com', purpose: 'the health check before each batch', answered: 200, calls: 2 }],
    notes: [],
    workerLog: [],
    ...overrides,
  };
}

describe('the rehearsal report, rendered', () => {
  it('the terminal summary: outcome, predicted duration, batches with what held them, refusals', () => {
    const text = terminalSummary(report(), { json: '/r/x.json', markdown: '/r/x.md' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Rehearsal of rollingMaintenance on prod — snapshot of prod taken 2026-12-01T10:00:00.000Z, Mesos 1.11.0, 4 agents, 8 tasks');
    expect(text).toContain('Outcome: done — 4 done, 0 failed, 0 skipped (2 batches)');
    expect(text).toContain('Predicted duration: 25 min (rehearsed in 30 s at speed 60; plus the time people take to answer)');
    expect(text).toContain('  0:00:45 the canary went well: roll the rest (1 of bob) — approved by bob');
    expect(text).toContain('  batch 1 (canary) [done] 0:00:01–0:00:40: a1, a2; gates open');
    expect(text).toContain('  batch 2 [done] 0:16:40–0:25:00: a3, a4; waited 5 min at its gates: maxOtherDraining (1 other agent(s) are draining: db-9 (DOWN))');
    expect(text).toContain('Gates that would block:\n  batch 2 (a3, a4): gate maxOtherDraining closed — 1 other agent(s) are draining: db-9 (DOWN); for 5 min (met)');
    expect(text).toContain('Machines out: 2, at most 1 at once (at 0:00:01)');
    expect(text).toContain('still out at the end: a3');
    expect(text).toContain('Mesos changes: 3 (DRAIN_AGENT ×1, REACTIVATE_AGENT ×2); 1 refused: REACTIVATE_AGENT 400 Agent is not deactivated');
    expect(text).toContain('Note: gates.healthCheckUrl https://health.example.com is not called');
    expect(text.endsWith('Report: /r/x.md (for the ticket), /r/x.json\n')).toBe(true);
  });

  it('the Markdown: every section, tables escaped, the machines out as bars over the predicted duration', () => {
    const md = markdownReport(report({ failures: [{ workflowId: 'w', step: 'drain', type: 'MESOS_CONFLICT', message: 'a | b' }] }));
    for (const heading of ['# Rehearsal: rollingMaintenance on prod', '## Input', '## How the duration is predicted', '## Approvals it would wait for', '## Batches and gates', '### Gates that would block', '## Failures', '## Machines out over time', '## Mesos calls', '## Runs', '## What the rehearsal assumes']) {
      expect(md).toContain(`${heading}\n`);
    }
    expect(md).toContain('| w | drain | MESOS_CONFLICT | a \\| b |');
    expect(md).toContain('| 3 | 0:00:41 | REACTIVATE_AGENT | S9 | 400 rejected: Agent is not deactivated |');
    // 40 columns over 1500 s: a1 is out in the first one; a3 from column 27 (1000 s) to the end.
    const bar = (host: string) => md.split('\n').find((l) => l.startsWith(`${host} `))!.trim().split(' ').at(-1)!;
    expect(bar('a1')).toBe(`█${'·'.repeat(39)}`);
    expect(bar('a3')).toBe(`${'·'.repeat(27)}${'█'.repeat(13)}`);
    expect(md).toContain('| a3 | 0:16:40 | not back | 8 min 20 s | draining |');
    expect(md).toContain('- Not called: https://health.example.com (the health check before each batch); the rehearsal answered 200 in its place (2 calls).');
    expect(md).toContain('| marathon | 8 | 2–30 s | waits for SIGKILL | 2–30 s |');
  });

  it('a pause at the window\'s end says why, and what a real run does then', () => {
    const r = report({ outcome: 'paused at window end', windowPauses: [{ workflowId: 'rollingMaintenance/prod/all', t: 1_272, reason: '3 s left in the window (until 13:46), less than the 5 min cutoff', notAfter: '2026-12-08T22:15:00+01:00', leftSeconds: 168 }] });
    expect(terminalSummary(r)).toContain(
      "Paused at 0:21:12: 2 min 48 s left of the window (it ends 2026-12-08T22:15:00+01:00); the run said: 3 s left in the window (until 13:46), less than the 5 min cutoff (on the rehearsal's clock) — a real run waits for the next window (resume); the rehearsal stopped there",
    );
    expect(markdownReport(r)).toContain("## Paused at the window's end\n\n- 0:21:12 rollingMaintenance/prod/all: 2 min 48 s left of the window");
  });

  it('a run that would fail says so first', () => {
    const text = terminalSummary(report({ outcome: 'failed', result: undefined, failure: { type: 'MESOS_CONFLICT', message: 'Agent is still in the DRAINING state' }, batches: undefined }));
    expect(text.split('\n')[1]).toBe('Outcome: failed: MESOS_CONFLICT: Agent is still in the DRAINING state');
  });
});
