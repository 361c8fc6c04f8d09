import { codeForStatus, isMesosError, MESOS_ERROR_CODES, MesosError, redact } from '../../../src/mesos/errors';

describe('MesosError', () => {
  it('isMesosError checks the fields, not the class (survives structured clones)', () => {
    const e = new MesosError({ code: 'MESOS_CONFLICT', callType: 'RESERVE_RESOURCES', status: 409 });
    expect(isMesosError(e)).toBe(true);
    expect(isMesosError({ code: e.code, callType: e.callType, retryable: e.retryable })).toBe(true);
    expect(isMesosError({ code: 'ECONNRESET', callType: 'X', retryable: true })).toBe(false);
    expect(isMesosError(new Error('x'))).toBe(false);
    expect(isMesosError(null)).toBe(false);
  });

  it('every code has a retryable default', () => {
    for (const code of MESOS_ERROR_CODES) {
      expect(typeof new MesosError({ code, callType: 'GET_HEALTH' }).retryable).toBe('boolean');
    }
  });

  it('503 is not-leader only for the master texts', () => {
    expect(codeForStatus(503, 'No leader elected', true)).toBe('MESOS_NOT_LEADER');
    expect(codeForStatus(503, 'Master has not finished recovery', true)).toBe('MESOS_NOT_LEADER');
    expect(codeForStatus(503, 'Agent has not finished recovery', false)).toBe('MESOS_UNAVAILABLE');
    expect(codeForStatus(503, "Agent 'x' is already being transitioned to gone", true)).toBe('MESOS_UNAVAILABLE');
  });

  it('redacts secrets, Basic/Bearer values and URL user-info', () => {
    const out = redact('Authorization: Basic b3BzOnB3 token=abc123 http://u:p@h:1 Bearer xyz.abc', ['abc123']);
    expect(out).not.toMatch(/b3BzOnB3|abc123|u:p@|xyz\.abc/);
  });
});
