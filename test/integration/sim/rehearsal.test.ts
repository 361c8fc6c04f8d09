/** Issue item 11: load a real cluster's GET_STATE (and maintenance schedule) for rehearsal. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJson } from '../../../src/sim/json';
import { RehearsalError } from '../../../src/sim/rehearsal';
import { agentIdOf, callApi, getAgents, startTestCluster, waitFor } from '../../helpers/sim';

async function captureState(): Promise<{ state: string; schedule: string; agentId: string; hostname: string }> {
  const src = await startTestCluster({ agents: 3, tasksPerAgent: 2, seed: 99 });
  try {
    const [a0, a1] = [...src.model.agents.values()];
    await callApi(src.leader, { type: 'RESERVE_RESOURCES', reserve_resources: { agent_id: { value: a0!.id }, resources: [{ type: 'SCALAR', name: 'cpus', scalar: { value: 2 }, reservations: [{ type: 'DYNAMIC', role: 'dev', principal: 'ops' }] }] } });
    await callApi(src.leader, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: a1!.id } } });
    await callApi(src.leader, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule: { windows: [{ machine_ids: [{ hostname: 'other.example', ip: '10.9.9.9' }], unavailability: { start: { nanoseconds: '1700000000000000001' } } }] } } });
    const state = (await callApi(src.leader, { type: 'GET_STATE' })).text;
    const schedule = (await callApi(src.leader, { type: 'GET_MAINTENANCE_SCHEDULE' })).text;
    return { state, schedule, agentId: a0!.id, hostname: a0!.hostname };
  } finally {
    await src.stop();
  }
}

describe('rehearsal (--state)', () => {
  it('loads agents, frameworks, tasks, reservations, deactivation and maintenance; keeps unknown fields with a warning', async () => {
    const cap = await captureState();
    const state = parseJson(cap.state) as { get_state: { get_agents: { agents: Record<string, unknown>[] } } };
    state.get_state.get_agents.agents[0]!.domain = { fault_domain: { region: { name: 'eu' }, zone: { name: 'eu-1a' } } };
    const sim = await startTestCluster({ state, maintenanceSchedule: parseJson(cap.schedule) });
    try {
      expect(sim.runtime.rehearsal?.warnings).toEqual(['get_state.get_agents.agents[].domain: kept as is, not modelled by the simulator']);
      const agents = await getAgents(sim.leader);
      expect(agents.map(agentIdOf)).toContain(cap.agentId);
      const a0 = agents.find((a) => agentIdOf(a) === cap.agentId)!;
      expect(JSON.stringify(a0.total_resources)).toContain('"role":"dev"');
      expect(a0.domain).toEqual({ fault_domain: { region: { name: 'eu' }, zone: { name: 'eu-1a' } } });
      expect(agents.filter((a) => a.deactivated === true)).toHaveLength(1);
      const tasks = (await callApi(sim.leader, { type: 'GET_TASKS' })).json as { get_tasks: { tasks: unknown[] } };
      expect(tasks.get_tasks.tasks).toHaveLength(6);
      expect((await callApi(sim.leader, { type: 'GET_MAINTENANCE_SCHEDULE' })).text).toContain('"nanoseconds":1700000000000000001');
      // The loaded cluster behaves: drain it.
      await callApi(sim.leader, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: cap.agentId }, max_grace_period: { seconds: 1 } } });
      await waitFor(() => sim.model.agents.get(cap.agentId)?.drain?.state === 'DRAINED', 'drained');
      // New agents continue the -S<n> sequence.
      expect(sim.model.nextAgentSeq).toBe(3);
    } finally {
      await sim.stop();
    }
  });

  it('reports malformed fields with their path', async () => {
    const bad = { type: 'GET_STATE', get_state: { get_agents: { agents: [{ agent_info: { hostname: 'h', id: { value: 7 } } }] }, get_tasks: { tasks: [{ name: 't' }] } } };
    const err = await startTestCluster({ state: bad }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RehearsalError);
    const problems = (err as RehearsalError).problems.join('\n');
    expect(problems).toContain('get_state.get_agents.agents[0].agent_info.id.value');
    expect(problems).toContain('get_state.get_tasks.tasks[0].task_id');
  });

  it('runs from the CLI with --state and prints warnings on stderr', async () => {
    const cap = await captureState();
    const dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
    try {
      const file = join(dir, 'state.json');
      writeFileSync(file, cap.state.replace('"get_agents":{"agents":[{', '"get_agents":{"agents":[{"domain":{},'));
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', '..', 'src', 'sim', 'cli.ts'), '--state', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      await waitFor(() => out.includes('\n') || child.exitCode !== null, 'ready line', 30_000);
      const ready = JSON.parse(out) as { leader: string; agents: string[] };
      expect(ready.agents).toHaveLength(3);
      expect(err).toContain('warning: get_state.get_agents.agents[].domain');
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(0);
      const badFile = join(dir, 'bad.json');
      writeFileSync(badFile, '{"get_state":{"get_agents":{"agents":[{"agent_info":{}}]}}}');
      const bad = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', '..', 'src', 'sim', 'cli.ts'), '--state', badFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let badErr = '';
      bad.stderr.on('data', (d: Buffer) => (badErr += d.toString()));
      const [badCode] = (await once(bad, 'exit')) as [number];
      expect(badCode).not.toBe(0);
      expect(badErr).toContain('get_state.get_agents.agents[0].agent_info.hostname');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
