import { runbookFailure } from '../../../src/contracts';
import type { RunControl } from '../../../workflows/kit/control';
import { eachAgent, summarizeOutcomes } from '../../../workflows/steps/fleet';

// The fan-out of multi-agent steps (pruneImages): at most `concurrency` agents at once, one agent's failure its own
// outcome, an abort stops starting agents. Its checkpoint is the run's (a stand-in here: no pause, an abort flag).
const agents = Array.from({ length: 7 }, (_, i) => ({ agentId: `S${i}`, hostname: `a${i}`, active: true, deactivated: false, drainState: 'NONE' as const, capabilities: [] }));
const control = (aborted: () => boolean) =>
  ({
    checkpoint: async () => {
      if (aborted()) throw new Error('aborted');
    },
  }) as unknown as RunControl;

describe('eachAgent', () => {
  it('runs at most `concurrency` at once and reports each agent', async () => {
    let inFlight = 0;
    let most = 0;
    const outcomes = await eachAgent(agents, 3, control(() => false), async (a) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      if (a.agentId === 'S2') throw runbookFailure('AGENT_GONE', 'agent S2 is no longer registered');
      if (a.agentId === 'S4') throw new Error('CONNECTION refused');
      return `pruned ${a.hostname}`;
    });
    expect(most).toBe(3);
    expect(outcomes.map((o) => `${o.agentId} ${o.outcome} ${o.reason}`)).toEqual([
      'S0 done pruned a0',
      'S1 done pruned a1',
      'S2 skipped agent S2 is no longer registered',
      'S3 done pruned a3',
      'S4 failed CONNECTION refused',
      'S5 done pruned a5',
      'S6 done pruned a6',
    ]);
    expect(summarizeOutcomes(outcomes)).toBe('5 done, 1 skipped, 1 failed (a4: CONNECTION refused)');
  });

  it('an abort lets the calls in flight finish, marks the rest skipped, then throws', async () => {
    let aborted = false;
    const started: string[] = [];
    const run = eachAgent(agents, 2, control(() => aborted), async (a) => {
      started.push(a.agentId);
      if (a.agentId === 'S1') aborted = true;
      await new Promise((r) => setTimeout(r, 5));
      return 'ok';
    });
    await expect(run).rejects.toThrow('aborted');
    expect(started).toEqual(['S0', 'S1']);
  });
});
