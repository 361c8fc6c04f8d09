import { RunbookInputError, validateRunbookInput } from '../../../src/temporal/control';

function problems(input: unknown): string[] {
  try {
    validateRunbookInput('drainAgent', input);
  } catch (err) {
    expect(err).toBeInstanceOf(RunbookInputError);
    return (err as RunbookInputError).problems;
  }
  throw new Error('expected the input to be refused');
}

describe('drainAgent input', () => {
  it('accepts a minimal input and fills the defaults', () => {
    expect(validateRunbookInput('drainAgent', { hostname: 'agent-1', reason: 'kernel' })).toEqual({
      cluster: 'default',
      hostname: 'agent-1',
      reason: 'kernel',
      reactivate: false,
      requireApproval: false,
      dryRun: false,
      ifAgentBusy: 'wait',
      abortDrainWaitSeconds: 300,
    });
  });

  it('refuses a missing reason, naming the field', () => {
    expect(problems({ agentId: 'a-S1' })).toEqual(['reason: required: say why the agent is drained (recorded with the run)']);
    expect(problems({ agentId: 'a-S1', reason: '   ' })).toEqual(['reason: required: say why the agent is drained (recorded with the run)']);
  });

  it('refuses a negative or fractional grace period', () => {
    expect(problems({ agentId: 'a-S1', reason: 'r', maxGracePeriodSeconds: -5 })).toEqual(['maxGracePeriodSeconds: must be 0 or more seconds (0 kills at once)']);
    expect(problems({ agentId: 'a-S1', reason: 'r', maxGracePeriodSeconds: 1.5 })).toEqual(['maxGracePeriodSeconds: must be a whole number of seconds']);
    expect(problems({ agentId: 'a-S1', reason: 'r', maxGracePeriodSeconds: '10mins' })).toEqual(['maxGracePeriodSeconds: must be a number of seconds']);
  });

  it('wants exactly one of agentId and hostname', () => {
    expect(problems({ reason: 'r' })).toEqual(['agentId: required: give agentId or hostname (exactly one)']);
    expect(problems({ agentId: 'a', hostname: 'h', reason: 'r' })).toEqual(['hostname: give agentId or hostname, not both']);
  });

  it('refuses unknown fields (a typo must not be ignored) and reports all problems together', () => {
    const found = problems({ agentID: 'a', reason: 5 });
    expect(found).toContain("(input): unknown field(s) 'agentID'");
    expect(found).toContain('reason: must be a string');
  });

  it('names every bad field at once, the missing agent included', () => {
    expect(problems({ reason: 7, maxGracePeriodSeconds: -1 })).toEqual([
      'reason: must be a string',
      'maxGracePeriodSeconds: must be 0 or more seconds (0 kills at once)',
      'agentId: required: give agentId or hostname (exactly one)',
    ]);
  });

  it('names the allowed values of an enum field', () => {
    expect(problems({ agentId: 'a', reason: 'r', ifAgentBusy: 'queue' })).toEqual(['ifAgentBusy: invalid value (allowed: "wait", "fail")']);
  });

  it('refuses an unknown runbook with the list of runbooks', () => {
    expect(() => validateRunbookInput('drainAgnet', {})).toThrow(/runbook: unknown runbook 'drainAgnet' \(available: agentMaintenance, decommissionAgent, drainAgent/);
  });
});
