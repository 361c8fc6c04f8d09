import { ConditionSchema, concernOf, concernsAgent, describeCondition, evaluate, ipFromPid, type Condition } from '../../../src/convergence/conditions';
import { formatIssues } from '../../../src/common/zod-issues';
import { GetAgentsSchema, type GetAgents } from '../../../src/mesos';

function agent(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const n = id.replace(/\D/g, '') || '1';
  return {
    agent_info: { id: { value: id }, hostname: `agent-${n}.sim.local` },
    active: true,
    deactivated: false,
    pid: `slave(1)@10.0.0.${n}:5051`,
    ...over,
  };
}

function view(...agents: Record<string, unknown>[]): GetAgents {
  return GetAgentsSchema.parse({ agents });
}

/** Right after a master failover: `recovered` are known from the registry, not yet re-registered. */
function failedOver(recovered: string[], ...agents: Record<string, unknown>[]): GetAgents {
  return GetAgentsSchema.parse({ agents, recovered_agents: recovered.map((id) => ({ id: { value: id }, hostname: `agent-${id.replace(/\D/g, '')}.sim.local` })) });
}

const draining = { state: 'DRAINING', config: { mark_gone: false } };
const drained = { state: 'DRAINED', config: { mark_gone: false } };

describe('conditions', () => {
  describe('schema', () => {
    it.each([
      [{ kind: 'agentDrained', agentId: 'S1' }],
      [{ kind: 'agentRemoved', agentId: 'S1' }],
      [{ kind: 'agentOnMachine', hostname: 'h', ip: '10.0.0.1' }],
      [{ kind: 'agentOnMachine', hostname: 'h', ip: '10.0.0.1', excludeAgentId: 'S1' }],
      [{ kind: 'agentActive', agentId: 'S1' }],
      [{ kind: 'agentDrainSettled', agentId: 'S1' }],
      [{ kind: 'agentRegistered', agentId: 'S1' }],
    ])('accepts %j', (c) => {
      expect(ConditionSchema.parse(c)).toEqual(c);
    });

    it.each([
      [{ kind: 'agentGone', agentId: 'S1' }, 'kind: must be one of agentDrained, agentRemoved, agentOnMachine, agentActive, agentDrainSettled, agentRegistered, agentReservation, agentVolume, quotaConfigs, roleWeights, rollGates'],
      [{ kind: 'agentDrained' }, 'agentId: must be an agent id string'],
      [{ kind: 'agentDrained', agentId: '' }, 'agentId: must be a non-empty agent id'],
      [{ kind: 'agentOnMachine', hostname: 'h' }, 'ip: must be an ip string'],
      [{ kind: 'agentActive', agentId: 'S1', extra: true }, "(input): unknown field(s) 'extra'"],
    ])('refuses %j naming the field', (c, message) => {
      const result = ConditionSchema.safeParse(c);
      expect(result.success).toBe(false);
      expect(formatIssues(result.error!)).toContain(message);
    });
  });

  it('ipFromPid takes the ip of slave(1)@IP:PORT', () => {
    expect(ipFromPid('slave(1)@10.1.2.3:5051')).toBe('10.1.2.3');
    expect(ipFromPid(undefined)).toBeUndefined();
    expect(ipFromPid('garbage')).toBeUndefined();
  });

  describe('agentDrained', () => {
    const c: Condition = { kind: 'agentDrained', agentId: 'S1' };
    it('is met only when drain_info.state is DRAINED', () => {
      expect(evaluate(c, view(agent('S1', { drain_info: drained, deactivated: true, active: false })))).toEqual({
        met: true,
        observation: { agentId: 'S1', hostname: 'agent-1.sim.local', ip: '10.0.0.1', active: false, deactivated: true, drainState: 'DRAINED', registered: true },
      });
      expect(evaluate(c, view(agent('S1', { drain_info: draining, deactivated: true })))).toMatchObject({ met: false, observation: { drainState: 'DRAINING' } });
      expect(evaluate(c, view(agent('S1')))).toMatchObject({ met: false, observation: { drainState: 'NONE', registered: true } });
    });
    it('can no longer be met, and says why, when the agent is not registered', () => {
      expect(evaluate(c, view(agent('S2', { drain_info: drained })))).toEqual({
        met: false,
        impossible: 'agent S1 left the cluster before it was DRAINED',
        observation: { agentId: 'S1', registered: false },
      });
    });
    it('is pending (not impossible) while the master lists the agent as recovered after a failover', () => {
      expect(evaluate(c, failedOver(['S1'], agent('S2')))).toEqual({
        met: false,
        observation: { agentId: 'S1', hostname: 'agent-1.sim.local', registered: false, recovering: true },
      });
    });
  });

  describe('agentDrainSettled', () => {
    const c: Condition = { kind: 'agentDrainSettled', agentId: 'S1' };
    it('is met once the agent is not DRAINING (DRAINED, no drain info, or gone), not while it recovers', () => {
      expect(evaluate(c, view(agent('S1', { drain_info: draining }))).met).toBe(false);
      expect(evaluate(c, view(agent('S1', { drain_info: drained }))).met).toBe(true);
      expect(evaluate(c, view(agent('S1'))).met).toBe(true);
      expect(evaluate(c, view(agent('S2'))).met).toBe(true);
      expect(evaluate(c, failedOver(['S1'])).met).toBe(false);
    });
  });

  describe('agentRegistered', () => {
    const c: Condition = { kind: 'agentRegistered', agentId: 'S1' };
    it('is met once a recovered agent re-registers; impossible when the master forgot it', () => {
      expect(evaluate(c, failedOver(['S1']))).toMatchObject({ met: false, observation: { recovering: true } });
      expect(evaluate(c, failedOver(['S1'])).impossible).toBeUndefined();
      expect(evaluate(c, view(agent('S1'))).met).toBe(true);
      expect(evaluate(c, view()).impossible).toMatch(/no longer known to the master/);
    });
  });

  describe('agentRemoved', () => {
    const c: Condition = { kind: 'agentRemoved', agentId: 'S1' };
    it('is met once the agent is not among the registered agents', () => {
      expect(evaluate(c, view(agent('S2')))).toEqual({ met: true, observation: { agentId: 'S1', registered: false } });
      expect(evaluate(c, failedOver(['S1'])).met).toBe(false);
      expect(evaluate(c, view(agent('S1'), agent('S2')))).toMatchObject({ met: false, observation: { registered: true, agentId: 'S1' } });
    });
  });

  describe('agentActive', () => {
    const c: Condition = { kind: 'agentActive', agentId: 'S1' };
    it('needs active, not deactivated and no drain info', () => {
      expect(evaluate(c, view(agent('S1'))).met).toBe(true);
      expect(evaluate(c, view(agent('S1', { active: false }))).met).toBe(false);
      expect(evaluate(c, view(agent('S1', { deactivated: true }))).met).toBe(false);
      expect(evaluate(c, view(agent('S1', { drain_info: drained }))).met).toBe(false);
      expect(evaluate(c, view()).met).toBe(false);
    });
  });

  describe('agentOnMachine', () => {
    const c: Condition = { kind: 'agentOnMachine', hostname: 'AGENT-3.sim.local', ip: '10.0.0.3' };
    it('matches the hostname case-insensitively and the ip exactly', () => {
      expect(evaluate(c, view(agent('S1'), agent('S3')))).toMatchObject({ met: true, observation: { agentId: 'S3', ip: '10.0.0.3', registered: true } });
      expect(evaluate(c, view(agent('S3', { pid: 'slave(1)@10.0.0.33:5051' })))).toEqual({
        met: false,
        observation: { hostname: 'AGENT-3.sim.local', ip: '10.0.0.3', registered: false },
      });
    });
    it('skips excludeAgentId (the old id of an agent that returns under a new one)', () => {
      const exclude: Condition = { ...c, excludeAgentId: 'S3' };
      expect(evaluate(exclude, view(agent('S3'))).met).toBe(false);
      const returned = agent('S9', { agent_info: { id: { value: 'S9' }, hostname: 'agent-3.sim.local' }, pid: 'slave(1)@10.0.0.3:5051' });
      expect(evaluate(exclude, view(agent('S3'), returned))).toMatchObject({ met: true, observation: { agentId: 'S9' } });
    });
  });

  it('observations are JSON-safe (no bigint, survive a round trip)', () => {
    const big = agent('S1', { drain_info: { state: 'DRAINED', config: { max_grace_period: { nanoseconds: '1700000000123456789' } } } });
    const { observation } = evaluate({ kind: 'agentDrained', agentId: 'S1' }, view(big));
    expect(JSON.parse(JSON.stringify(observation))).toEqual(observation);
  });

  it('concernOf / concernsAgent route events to the waits they may change', () => {
    expect(concernOf({ kind: 'agentDrained', agentId: 'S1' })).toEqual({ agentIds: ['S1'] });
    const machine: Condition = { kind: 'agentOnMachine', hostname: 'h.local', ip: '10.0.0.9' };
    expect(concernOf(machine)).toEqual({ agentIds: [], machine: { hostname: 'h.local', ip: '10.0.0.9' } });
    expect(concernsAgent({ kind: 'agentActive', agentId: 'S1' }, { agentId: 'S1' })).toBe(true);
    expect(concernsAgent({ kind: 'agentActive', agentId: 'S1' }, { agentId: 'S2' })).toBe(false);
    expect(concernsAgent(machine, { agentId: 'S7', hostname: 'H.LOCAL', ip: '10.0.0.9' })).toBe(true);
    expect(concernsAgent(machine, { agentId: 'S7', hostname: 'h.local', ip: '10.0.0.8' })).toBe(false);
    expect(concernsAgent(machine, { agentId: 'S7' })).toBe(false);
  });

  it('describeCondition says what is awaited', () => {
    expect(describeCondition({ kind: 'agentDrained', agentId: 'S1' })).toBe('agent S1 DRAINED');
    expect(describeCondition({ kind: 'agentOnMachine', hostname: 'h', ip: '1.2.3.4', excludeAgentId: 'S1' })).toBe('an agent registered on h/1.2.3.4 other than S1');
  });
});
