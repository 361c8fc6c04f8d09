import type { AgentSummary } from '../../src/agents/vocabulary';
import { failureMessage, failureType } from '../../src/contracts';
import type { RunControl } from '../kit/control';

/** How one agent of a multi-agent run came out (every multi-agent runbook's result lists them). */
export interface AgentOutcome {
  agentId: string;
  hostname: string;
  outcome: 'done' | 'skipped' | 'failed';
  reason?: string;
}

/**
 * Runs `fn` on each agent, at most `concurrency` at once, in workflow code (deterministic): a failure of one agent is
 * its outcome (`failed`, with the reason; `skipped` when it left the cluster meanwhile), never fatal to the others.
 * Pause holds back agents not started yet; an abort lets the calls in flight finish, marks the rest `skipped`, then
 * throws (the kit compensates).
 */
export async function eachAgent(agents: AgentSummary[], concurrency: number, control: RunControl, fn: (agent: AgentSummary) => Promise<string>): Promise<AgentOutcome[]> {
  const outcomes: AgentOutcome[] = agents.map((a) => ({ agentId: a.agentId, hostname: a.hostname, outcome: 'skipped', reason: 'not started (the run was aborted)' }));
  let next = 0;
  let stopped = false;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (stopped || next >= agents.length) return;
      try {
        await control.checkpoint();
      } catch {
        stopped = true;
        return;
      }
      const i = next++;
      if (i >= agents.length) return;
      const agent = agents[i]!;
      try {
        outcomes[i] = { agentId: agent.agentId, hostname: agent.hostname, outcome: 'done', reason: await fn(agent) };
      } catch (err) {
        const gone = failureType(err) === 'AGENT_GONE';
        outcomes[i] = { agentId: agent.agentId, hostname: agent.hostname, outcome: gone ? 'skipped' : 'failed', reason: failureMessage(err) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, agents.length)) }, worker));
  if (stopped) await control.checkpoint();
  return outcomes;
}

/** `3 done, 1 failed (agent-2: ...)`. */
export function summarizeOutcomes(outcomes: AgentOutcome[]): string {
  const count = (o: AgentOutcome['outcome']) => outcomes.filter((x) => x.outcome === o).length;
  const failed = outcomes.filter((x) => x.outcome === 'failed');
  return `${count('done')} done, ${count('skipped')} skipped, ${failed.length} failed${failed.length ? ` (${failed.map((f) => `${f.hostname}: ${f.reason}`).join('; ')})` : ''}`;
}
