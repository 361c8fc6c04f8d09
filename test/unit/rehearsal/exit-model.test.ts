import { describeExitModel, drainGraceSeconds, exitRows, parseExitModel } from '../../../src/rehearsal/exit-model';

describe('the exit model', () => {
  it('parses --exit-times, and names each bad field', () => {
    expect(parseExitModel('{"frameworks":{"marathon":5}}')).toEqual({ default: 'grace', frameworks: { marathon: 5 } });
    expect(parseExitModel('{"default":2}')).toEqual({ default: 2, frameworks: {} });
    expect(() => parseExitModel('{"default":-1}')).toThrow(/--exit-times: default: must be 0 or more seconds/);
    expect(() => parseExitModel('{"frameworks":{"marathon":"soon"}}')).toThrow(/--exit-times: frameworks\.marathon: must be a number of seconds or "grace"/);
    expect(() => parseExitModel('{"defualt":1}')).toThrow(/--exit-times: .*defualt/);
    expect(() => parseExitModel('{oops')).toThrow(/--exit-times: not valid JSON/);
    try {
      parseExitModel('[]');
    } catch (err) {
      expect((err as { code?: string }).code).toBe('INVALID_INPUT');
    }
  });

  it("a drain's grace period: the task's own, Mesos's default 3 s without one; max_grace_period when shorter or unset", () => {
    expect(drainGraceSeconds(10)).toBe(10);
    expect(drainGraceSeconds(undefined)).toBe(3);
    expect(drainGraceSeconds(10, 30)).toBe(10);
    expect(drainGraceSeconds(60, 30)).toBe(30);
    expect(drainGraceSeconds(undefined, 30)).toBe(30);
    expect(drainGraceSeconds(undefined, 0)).toBe(0);
  });

  const state = {
    get_state: {
      get_frameworks: { frameworks: [{ framework_info: { id: { value: 'F1' }, name: 'marathon' } }, { framework_info: { id: { value: 'F2' }, name: 'spark' } }] },
      get_tasks: {
        tasks: [
          { framework_id: { value: 'F1' }, state: 'TASK_RUNNING', kill_policy: { grace_period: { nanoseconds: 10_000_000_000n } } },
          { framework_id: { value: 'F1' }, state: 'TASK_RUNNING' },
          { framework_id: { value: 'F2' }, state: 'TASK_RUNNING', kill_policy: { grace_period: { nanoseconds: '120000000000' } } },
          { framework_id: { value: 'F2' }, state: 'TASK_FINISHED' },
        ],
      },
    },
  };

  it('applies the model per framework (by name or id) to the snapshot’s tasks', () => {
    expect(exitRows({ default: 'grace', frameworks: { marathon: 5 } }, state)).toEqual([
      { framework: 'marathon', frameworkId: 'F1', tasks: 2, graceSeconds: { min: 3, max: 10 }, exitAfterSigterm: 5, killSeconds: { min: 3, max: 5 } },
      { framework: 'spark', frameworkId: 'F2', tasks: 1, graceSeconds: { min: 120, max: 120 }, exitAfterSigterm: 'grace', killSeconds: { min: 120, max: 120 } },
    ]);
    // A drain with max_grace_period 30: the unset grace period is 30 s, spark's 120 s is cut to 30.
    expect(exitRows({ default: 'grace', frameworks: { F2: 1 } }, state, 30).map((r) => [r.framework, r.graceSeconds, r.killSeconds])).toEqual([
      ['marathon', { min: 10, max: 30 }, { min: 10, max: 30 }],
      ['spark', { min: 30, max: 30 }, { min: 1, max: 1 }],
    ]);
  });

  it('states itself in one sentence', () => {
    expect(describeExitModel({ default: 'grace', frameworks: {} })).toMatch(/^all tasks ignore SIGTERM and are killed at the end of their kill grace period/);
    expect(describeExitModel({ default: 2, frameworks: { spark: 'grace' } })).toMatch(/^tasks of spark ignore SIGTERM .*; other tasks stop 2 s after SIGTERM/);
  });
});
