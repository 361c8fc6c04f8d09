import { parseAgentCall, parseMasterCall } from '../../../src/sim/proto/call';

describe('sim call parsing (spec §1 step 8-9, §2)', () => {
  it('accepts int64 as a number or a decimal string, exactly', () => {
    const r = parseMasterCall('{"type":"SET_LOGGING_LEVEL","set_logging_level":{"level":1,"duration":{"nanoseconds":"9007199254740993"}}}');
    expect(r.ok).toBe(true);
    if (r.ok) expect((r.call.body.duration as { nanoseconds: bigint }).nanoseconds).toBe(9007199254740993n);
  });

  it('rejects a string max_grace_period with the converter message', () => {
    const r = parseMasterCall('{"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"a"},"max_grace_period":"10mins"}}');
    expect(r).toEqual({ ok: false, message: "Failed to convert JSON into Call protobuf: Not expecting a JSON string for field 'max_grace_period'" });
  });

  it('names missing required fields with their path', () => {
    const r = parseMasterCall('{"type":"DRAIN_AGENT","drain_agent":{}}');
    expect(r).toEqual({ ok: false, message: 'Failed to convert JSON into Call protobuf: Missing required fields: drain_agent.agent_id' });
  });

  it('requires the sub-message even when all its fields are optional (GET_METRICS)', () => {
    expect(parseMasterCall('{"type":"GET_METRICS"}')).toEqual({ ok: false, message: "Failed to validate master::Call: Expecting 'get_metrics' to be present" });
    expect(parseMasterCall('{"type":"GET_METRICS","get_metrics":{}}').ok).toBe(true);
  });

  it('drops an unknown type name, then fails validation; ignores unknown and camelCase keys', () => {
    expect(parseMasterCall('{"type":"FOO"}')).toEqual({ ok: false, message: "Failed to validate master::Call: Expecting 'type' to be present" });
    const r = parseMasterCall('{"type":"DEACTIVATE_AGENT","deactivate_agent":{"agent_id":{"value":"x"}},"deactivateAgent":{},"extra":1}');
    expect(r.ok).toBe(true);
  });

  it('reports bad JSON and non-object bodies', () => {
    const bad = parseMasterCall('{"type":');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/^Failed to parse body into JSON: /);
    expect(parseMasterCall('[1]')).toEqual({ ok: false, message: 'Failed to convert JSON into Call protobuf: Expecting a JSON object' });
  });

  it('parses agent calls; GET_CONTAINERS needs no sub-message', () => {
    expect(parseAgentCall('{"type":"GET_CONTAINERS"}').ok).toBe(true);
    expect(parseAgentCall('{"type":"WAIT_CONTAINER"}')).toEqual({ ok: false, message: "Failed to validate agent::Call: Expecting 'wait_container' to be present" });
  });
});
