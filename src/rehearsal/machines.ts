/**
 * Machines out over time: the rehearsal samples the simulator's model as the run goes and keeps each machine's state
 * changes; the report turns them into each machine's time out and the count out at once (predicted times).
 */
import type { Cluster } from '../sim/model/cluster';
import { machineKey } from '../sim/model/maintenance';

/** What a machine is to its cluster: `active` serves tasks; every other state is out. */
export type MachineState = 'active' | 'deactivated' | 'draining' | 'drained' | 'down' | 'gone';

export interface MachineChange {
  at: number;
  hostname: string;
  state: MachineState;
}

const RANK: Record<MachineState, number> = { active: 0, draining: 1, drained: 2, deactivated: 3, down: 4, gone: 5 };

/** Each machine's state now: the best of its agents (an active agent on it makes it active). */
export function machineStates(model: Cluster): Map<string, MachineState> {
  const out = new Map<string, MachineState>();
  const put = (hostname: string, state: MachineState) => {
    const now = out.get(hostname);
    if (now === undefined || RANK[state] < RANK[now]) out.set(hostname, state);
  };
  for (const agent of model.agents.values()) {
    const hostname = agent.hostname.toLowerCase();
    const registered = agent.status === 'registered' || agent.status === 'disconnected';
    if (!registered) {
      const record = model.maintenance.machines.get(machineKey({ hostname: agent.hostname, ip: agent.ip }));
      put(hostname, record?.mode === 'DOWN' ? 'down' : 'gone');
      continue;
    }
    if (agent.drain) put(hostname, agent.drain.state === 'DRAINING' ? 'draining' : 'drained');
    else if (agent.deactivated || agent.status === 'disconnected') put(hostname, 'deactivated');
    else put(hostname, 'active');
  }
  for (const record of model.maintenance.machines.values()) if (record.mode === 'DOWN' && record.id.hostname) put(record.id.hostname.toLowerCase(), 'down');
  return out;
}

/**
 * Watches the model: at every change (coalesced within one turn of the event loop) it records each machine's state
 * and each agent's (status, drain, deactivation) when they change, and when the model changed at all — what the
 * report needs to tell the cluster's time in a wait from the watcher's time noticing it.
 */
export class ClusterRecorder {
  readonly changes: MachineChange[] = [];
  /** Per agent: the times its status, drain state or deactivation changed. */
  readonly agentChanges = new Map<string, number[]>();
  /** When the model changed at all, ascending (one entry per ms). */
  readonly modelChanges: number[] = [];
  private readonly last = new Map<string, MachineState>();
  private readonly lastAgent = new Map<string, string>();
  private scheduled: number | undefined;
  private stopped = false;

  constructor(private readonly model: Cluster) {
    this.sample();
    model.onChange = () => {
      const now = Date.now();
      if (this.modelChanges.at(-1) !== now) this.modelChanges.push(now);
      if (this.scheduled !== undefined || this.stopped) return;
      this.scheduled = now;
      setImmediate(() => {
        const at = this.scheduled ?? Date.now();
        this.scheduled = undefined;
        if (!this.stopped) this.sample(at);
      });
    };
  }

  sample(at = Date.now()): void {
    for (const [hostname, state] of machineStates(this.model)) {
      if (this.last.get(hostname) === state) continue;
      this.last.set(hostname, state);
      this.changes.push({ at, hostname, state });
    }
    for (const agent of this.model.agents.values()) {
      const key = `${agent.status}|${agent.drain?.state ?? ''}|${agent.deactivated}`;
      if (this.lastAgent.get(agent.id) === key) continue;
      this.lastAgent.set(agent.id, key);
      const times = this.agentChanges.get(agent.id) ?? [];
      times.push(at);
      this.agentChanges.set(agent.id, times);
    }
  }

  /** Stops recording (a last sample first). */
  stop(): void {
    this.sample();
    this.stopped = true;
    this.model.onChange = undefined;
  }
}

/** The last of `times` (ascending) in (from, to], or undefined. */
export function lastIn(times: readonly number[], from: number, to: number): number | undefined {
  for (let i = times.length - 1; i >= 0; i--) {
    const t = times[i]!;
    if (t <= to) return t > from ? t : undefined;
  }
  return undefined;
}

/** One machine's time out of service: from when it left `active` until it was active again (or the end). */
export interface OutSpan {
  hostname: string;
  from: number;
  to: number;
  /** The states it went through while out, in order (e.g. draining, drained, down). */
  states: MachineState[];
  /** False when it was still out at the end of the rehearsal. */
  back: boolean;
}

/** The spans out of every machine from its changes, up to `end`. */
export function outSpans(changes: MachineChange[], end: number): OutSpan[] {
  const open = new Map<string, OutSpan>();
  const spans: OutSpan[] = [];
  for (const c of [...changes].sort((a, b) => a.at - b.at)) {
    const span = open.get(c.hostname);
    if (c.state === 'active') {
      if (span) {
        span.to = c.at;
        span.back = true;
        spans.push(span);
        open.delete(c.hostname);
      }
      continue;
    }
    if (span) {
      if (span.states.at(-1) !== c.state) span.states.push(c.state);
    } else open.set(c.hostname, { hostname: c.hostname, from: c.at, to: end, states: [c.state], back: false });
  }
  for (const span of open.values()) spans.push({ ...span, to: end });
  return spans.sort((a, b) => a.from - b.from || a.hostname.localeCompare(b.hostname));
}

/** How many machines were out at once: a step at each change, from the spans. */
export function outAtOnce(spans: OutSpan[]): { at: number; out: number }[] {
  const edges = spans.flatMap((s) => [{ at: s.from, d: 1 }, ...(s.back ? [{ at: s.to, d: -1 }] : [])]).sort((a, b) => a.at - b.at || a.d - b.d);
  const steps: { at: number; out: number }[] = [];
  let out = 0;
  for (const e of edges) {
    out += e.d;
    if (steps.at(-1)?.at === e.at) steps.at(-1)!.out = out;
    else steps.push({ at: e.at, out });
  }
  return steps;
}
