import { AgentClient } from '../../../src/mesos/agent-client';
import { MasterClient } from '../../../src/mesos/master-client';
import { AGENT_CALL_TYPES } from '../../../src/mesos/calls/agent';
import * as masterCalls from '../../../src/mesos/calls/master';
import { MASTER_CALL_TYPES } from '../../../src/mesos/calls/master';
import { JSON_CODEC } from '../../../src/mesos/codec';
import { AGENT_CALLS, MASTER_CALLS } from '../../../src/mesos/response-kinds';

describe('call tables and builders', () => {
  it('every master and agent call type has exactly one table row', () => {
    expect(Object.keys(MASTER_CALLS).sort()).toEqual([...MASTER_CALL_TYPES].sort());
    expect(Object.keys(AGENT_CALLS).sort()).toEqual([...AGENT_CALL_TYPES].sort());
  });

  it('only reads may be re-sent to another master; SUBSCRIBE is a stream; writes have empty bodies', () => {
    for (const [type, spec] of Object.entries(MASTER_CALLS)) {
      if (spec.kind === 'empty') expect(spec.read).toBe(false);
      else expect({ type, read: spec.read }).toEqual({ type, read: true });
    }
    expect(MASTER_CALLS.SUBSCRIBE.kind).toBe('stream');
    expect(AGENT_CALLS.WAIT_CONTAINER).toMatchObject({ kind: 'json', longPoll: true });
    expect(AGENT_CALLS.WAIT_NESTED_CONTAINER).toMatchObject({ kind: 'json', longPoll: true });
  });

  it('GET_METRICS always carries the get_metrics object Mesos requires', () => {
    expect(masterCalls.getMetrics()).toEqual({ type: 'GET_METRICS', get_metrics: {} });
  });

  it('DRAIN_AGENT sends a google.protobuf.Duration: whole seconds, nanos for a fraction, never a string', () => {
    expect(masterCalls.drainAgent({ agentId: 'a', maxGracePeriodSeconds: 1.5 }).drain_agent.max_grace_period).toEqual({ seconds: 1, nanos: 500_000_000 });
    expect(masterCalls.drainAgent({ agentId: 'a' })).toEqual({ type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: 'a' } } });
  });

  it('int64 inputs go out as decimal strings', () => {
    const body = JSON_CODEC.encode(
      masterCalls.updateMaintenanceSchedule({
        windows: [{ machine_ids: [{ hostname: 'h', ip: '10.0.0.1' }], unavailability: { start: { nanoseconds: 1_700_000_000_000_000_001n } } }],
      }),
    ).toString();
    expect(body).toContain('"nanoseconds":"1700000000000000001"');
  });
});

describe('client options are checked when a client is built', () => {
  it('rejects a bad master list and a bad agent URL, naming the field but not the secret', () => {
    expect(() => new MasterClient({ masters: [] })).toThrow(/masters/);
    expect(() => new MasterClient({ masters: ['ftp://m:5050'] })).toThrow(/masters\[0\]/);
    let message = '';
    try {
      new MasterClient({ masters: ['http://m:5050'], timeoutMs: -1, credentials: { kind: 'basic', principal: 'p', secret: 'hunter2-secret' } });
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/timeoutMs/);
    expect(message).not.toContain('hunter2-secret');
    expect(() => new AgentClient({ url: 'not a url' })).toThrow(TypeError);
  });
});
