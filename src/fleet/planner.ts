/**
 * The fleet's planner (style.md principle 9, "plan apart from apply"): pure, from the selected machines and the roll's
 * input to its batches. Recorded by the run, shown by plan mode, then applied.
 *
 * - The canary first: its own batch of `canary.agents` machines (from the first group).
 * - Then whole groups are packed into batches of at most `batchSize` machines, in group order: a group is never
 *   split across batches unless it is larger than a batch (then it fills consecutive batches of its own).
 * - Without `groupBy` every machine is its own group: batches in hostname order.
 */

/** A machine of the roll: keyed on hostname + ip (START_MAINTENANCE removes the agent; it returns under a new id). */
export interface RollMachine {
  hostname: string;
  ip: string;
  agentId: string;
  /** The value of the `groupBy` attribute (undefined without `groupBy`, or when the agent lacks the attribute). */
  group?: string;
}

export interface Batch {
  /** 0-based, in the order the batches run. */
  index: number;
  canary: boolean;
  /** The groups it holds (empty without `groupBy`). */
  groups: string[];
  machines: RollMachine[];
}

export type BatchSize = number | `${number}%`;

/** `10` → 10; `"10%"` of 250 machines → 25 (rounded up, at least 1). */
export function resolveBatchSize(size: BatchSize, total: number): number {
  if (typeof size === 'number') return Math.max(1, Math.floor(size));
  const percent = Number(size.slice(0, -1));
  // Rounded to 1e-6 first: 16.1% of 1000 is 161.00000000000003 in floating point, and must be 161.
  return Math.max(1, Math.ceil(Number(((total * percent) / 100).toFixed(6))));
}

const byHostname = (a: RollMachine, b: RollMachine) => a.hostname.localeCompare(b.hostname);

/** The batches of a roll. `machines` may come in any order; the plan is the same for the same set. */
export function planBatches(machines: RollMachine[], options: { batchSize: BatchSize; canary?: { agents: number } }): Batch[] {
  const size = resolveBatchSize(options.batchSize, machines.length);
  const groups = new Map<string, RollMachine[]>();
  const ungrouped: RollMachine[] = [];
  for (const m of [...machines].sort(byHostname)) {
    if (m.group === undefined) ungrouped.push(m);
    else groups.set(m.group, [...(groups.get(m.group) ?? []), m]);
  }
  const ordered: { group?: string; machines: RollMachine[] }[] = [
    ...[...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([group, ms]) => ({ group, machines: ms })),
    ...ungrouped.map((m) => ({ machines: [m] })),
  ];
  const batches: Batch[] = [];
  const push = (canary: boolean, ms: RollMachine[], gs: string[]) => {
    if (ms.length > 0) batches.push({ index: batches.length, canary, groups: [...new Set(gs)], machines: ms });
  };

  const canaryCount = Math.min(Math.floor(options.canary?.agents ?? 0), machines.length);
  if (canaryCount > 0) {
    const canary: RollMachine[] = [];
    const gs: string[] = [];
    while (canary.length < canaryCount) {
      const first = ordered[0]!;
      const take = first.machines.splice(0, canaryCount - canary.length);
      canary.push(...take);
      if (first.group !== undefined) gs.push(first.group);
      if (first.machines.length === 0) ordered.shift();
    }
    push(true, canary, gs);
  }

  let current: RollMachine[] = [];
  let currentGroups: string[] = [];
  const close = () => {
    push(false, current, currentGroups);
    current = [];
    currentGroups = [];
  };
  for (const g of ordered) {
    if (g.machines.length > size) {
      close();
      for (let i = 0; i < g.machines.length; i += size) push(false, g.machines.slice(i, i + size), g.group !== undefined ? [g.group] : []);
      continue;
    }
    if (current.length + g.machines.length > size) close();
    current.push(...g.machines);
    if (g.group !== undefined) currentGroups.push(g.group);
  }
  close();
  return batches;
}
