import { planBatches, resolveBatchSize, type Batch, type BatchSize, type RollMachine } from '../../../src/fleet/planner';
import { counterexamples, type Random } from './random';

// What holds for every plan, over a few hundred seeded fleets: every machine planned exactly once, no batch but the
// canary larger than a batch, groups kept together when they fit, the plan independent of the input order.

interface Case {
  machines: RollMachine[];
  batchSize: BatchSize;
  canary?: { agents: number };
}

const GROUPS = ['rack-a', 'rack-b', 'rack-c', 'zone-1', 'zone-2', 'zone-10', 'eu-west'];

function fleet(random: Random): Case {
  const count = random.int(0, 40);
  const groups = random.shuffle(GROUPS).slice(0, random.int(1, GROUPS.length));
  // Without groupBy (every machine ungrouped), with it (every machine grouped), or some machines lacking the attribute.
  const ungroupedShare = random.pick([1, 0, 0, 0.2]);
  const hostnames = new Set<string>();
  while (hostnames.size < count) hostnames.add(`${random.pick(['agent', 'node', 'db', 'web'])}-${random.int(0, 999)}.${random.pick(['sim.local', 'dc2.example'])}`);
  const machines = [...hostnames].map((hostname, i) => ({
    hostname,
    ip: `10.0.${Math.floor(i / 250)}.${i % 250}`,
    agentId: `S${i}`,
    ...(random.chance(ungroupedShare) ? {} : { group: random.pick(groups) }),
  }));
  const batchSize: BatchSize = random.chance(0.5) ? random.int(1, 12) : `${random.int(1, 100)}%`;
  return { machines, batchSize, ...(random.chance(0.5) ? { canary: { agents: random.int(1, 6) } } : {}) };
}

const plan = (c: Case, machines = c.machines): Batch[] => planBatches(machines, { batchSize: c.batchSize, ...(c.canary ? { canary: c.canary } : {}) });
const sizeOf = (c: Case) => resolveBatchSize(c.batchSize, c.machines.length);
/** A group as the planner packs it: a named group, or a machine without the attribute on its own. */
const unitOf = (m: RollMachine) => (m.group !== undefined ? `group ${m.group}` : `machine ${m.hostname}`);
/** A case as a failure shows it: short enough to read, complete enough to reproduce. */
const shown = (c: Case) => ({ batchSize: c.batchSize, canary: c.canary, machines: c.machines.map((m) => `${m.hostname}${m.group !== undefined ? `@${m.group}` : ''}`) });

const CASES = 400;

describe('planBatches, for any fleet', () => {
  it('plans every machine exactly once', () => {
    const holds = (c: Case) => {
      const planned = plan(c).flatMap((b) => b.machines);
      return planned.length === c.machines.length && new Set(planned).size === planned.length && c.machines.every((m) => planned.includes(m));
    };
    expect(counterexamples(CASES, fleet, holds, shown)).toEqual([]);
  });

  it('makes no batch larger than batchSize, except a canary asked larger', () => {
    const holds = (c: Case) => plan(c).every((b) => b.machines.length >= 1 && (b.canary || b.machines.length <= sizeOf(c)));
    expect(counterexamples(CASES, fleet, holds, shown)).toEqual([]);
  });

  it('starts with a canary of exactly min(canary.agents, machines) when asked, and has no other canary', () => {
    const holds = (c: Case) => {
      const batches = plan(c);
      const wanted = Math.min(c.canary?.agents ?? 0, c.machines.length);
      const canaries = batches.filter((b) => b.canary);
      if (wanted === 0) return canaries.length === 0;
      return canaries.length === 1 && batches[0]!.canary && batches[0]!.machines.length === wanted;
    };
    expect(counterexamples(CASES, fleet, holds, shown)).toEqual([]);
  });

  it('runs the machines in group order (named groups by name, then the rest), each group in hostname order', () => {
    const byPlanOrder = (a: RollMachine, b: RollMachine) =>
      (a.group === undefined ? 1 : 0) - (b.group === undefined ? 1 : 0) || (a.group ?? '').localeCompare(b.group ?? '') || a.hostname.localeCompare(b.hostname);
    const holds = (c: Case) => {
      const planned = plan(c).flatMap((b) => b.machines.map((m) => m.hostname));
      return JSON.stringify(planned) === JSON.stringify([...c.machines].sort(byPlanOrder).map((m) => m.hostname));
    };
    expect(counterexamples(CASES, fleet, holds, shown)).toEqual([]);
  });

  it('keeps a group that fits a batch in one batch; a larger one fills consecutive batches of its own', () => {
    const holds = (c: Case) => {
      const batches = plan(c).filter((b) => !b.canary);
      const size = sizeOf(c);
      const units = new Set(batches.flatMap((b) => b.machines.map(unitOf)));
      return [...units].every((unit) => {
        const holding = batches.filter((b) => b.machines.some((m) => unitOf(m) === unit));
        const count = holding.flatMap((b) => b.machines).filter((m) => unitOf(m) === unit).length;
        if (count <= size) return holding.length === 1;
        const consecutive = holding.every((b, i) => i === 0 || b.index === holding[i - 1]!.index + 1);
        const onlyItsOwn = holding.every((b) => b.machines.every((m) => unitOf(m) === unit));
        return consecutive && onlyItsOwn && holding.length === Math.ceil(count / size);
      });
    };
    expect(counterexamples(CASES, fleet, holds, shown)).toEqual([]);
  });

  it('closes a batch only when the next group would not fit in it', () => {
    const holds = (c: Case) => {
      const batches = plan(c).filter((b) => !b.canary);
      const size = sizeOf(c);
      const planned = batches.flatMap((b) => b.machines);
      const countOf = (unit: string) => planned.filter((m) => unitOf(m) === unit).length;
      return batches.every((b, i) => {
        const next = batches[i + 1];
        if (!next) return true;
        const last = unitOf(b.machines.at(-1)!);
        const first = unitOf(next.machines[0]!);
        // A group larger than a batch is packed with nothing else: the batches around it close regardless.
        if (countOf(last) > size || countOf(first) > size) return true;
        return b.machines.length + countOf(first) > size;
      });
    };
    expect(counterexamples(CASES, fleet, holds, shown)).toEqual([]);
  });

  it('numbers batches 0, 1, 2, … and lists in each the distinct groups of its machines, in order', () => {
    const holds = (c: Case) =>
      plan(c).every((b, i) => b.index === i && JSON.stringify(b.groups) === JSON.stringify([...new Set(b.machines.flatMap((m) => (m.group !== undefined ? [m.group] : [])))]));
    expect(counterexamples(CASES, fleet, holds, shown)).toEqual([]);
  });

  it('makes the same plan for the same set of machines in any order', () => {
    const shuffled = (random: Random) => {
      const c = fleet(random);
      return { c, reordered: random.shuffle(c.machines) };
    };
    const holds = ({ c, reordered }: { c: Case; reordered: RollMachine[] }) => JSON.stringify(plan(c, reordered)) === JSON.stringify(plan(c));
    expect(counterexamples(CASES, shuffled, holds, ({ c }) => shown(c))).toEqual([]);
  });
});

describe('resolveBatchSize, for any whole percent', () => {
  it('is the share rounded up and at least 1 (checked in whole numbers: ceil(total × p / 100))', () => {
    const wrong: string[] = [];
    for (let percent = 0; percent <= 200; percent++) {
      for (let total = 0; total <= 500; total++) {
        const expected = Math.max(1, Math.floor((total * percent + 99) / 100));
        const got = resolveBatchSize(`${percent}%`, total);
        if (got !== expected) wrong.push(`"${percent}%" of ${total}: ${got}, expected ${expected}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('of a count is that count, floored, at least 1, whatever the fleet', () => {
    const holds = ({ size, total }: { size: number; total: number }) => resolveBatchSize(size, total) === Math.max(1, Math.floor(size));
    expect(counterexamples(CASES, (r) => ({ size: r.int(-5, 50) + r.pick([0, 0.25, 0.5, 0.99]), total: r.int(0, 1000) }), holds)).toEqual([]);
  });
});
