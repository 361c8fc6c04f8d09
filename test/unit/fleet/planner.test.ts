import { planBatches, resolveBatchSize, type Batch, type RollMachine } from '../../../src/fleet/planner';

// The fleet's planner (docs/runbooks.md, rollingMaintenance "Batches"): the canary first (from the first group), then
// whole groups packed into batches of at most `batchSize` in group order; a group larger than a batch fills
// consecutive batches of its own; without `groupBy` batches in hostname order.

/** A machine of the roll; its ip and agent id follow from the hostname so that tests read by hostname alone. */
function machine(hostname: string, group?: string): RollMachine {
  const n = hostname.replace(/\D/g, '') || '0';
  return { hostname, ip: `10.0.0.${n}`, agentId: `S-${hostname}`, ...(group !== undefined ? { group } : {}) };
}

/** `count` machines of one group, named `<group>-1` … `<group>-<count>`. */
function rack(group: string, count: number): RollMachine[] {
  return Array.from({ length: count }, (_, i) => machine(`${group}-${i + 1}`, group));
}

/** A plan as an operator reads it: one line a batch, `canary` marked, its groups in brackets, then its hostnames. */
function shape(batches: Batch[]): string[] {
  return batches.map((b) => `${b.canary ? 'canary ' : ''}[${b.groups.join(',')}] ${b.machines.map((m) => m.hostname).join(' ')}`);
}

describe('resolveBatchSize', () => {
  it('takes a count as it is', () => {
    expect(resolveBatchSize(10, 250)).toBe(10);
    expect(resolveBatchSize(1, 3)).toBe(1);
  });

  it('a count larger than the fleet stays as given (the fleet then fits in one batch)', () => {
    expect(resolveBatchSize(50, 3)).toBe(50);
  });

  it('floors a fractional count and never goes below 1', () => {
    expect(resolveBatchSize(2.9, 10)).toBe(2);
    expect(resolveBatchSize(0, 10)).toBe(1);
    expect(resolveBatchSize(-3, 10)).toBe(1);
  });

  it.each([
    ['10%', 250, 25],
    ['10%', 25, 3], // 2.5, rounded up
    ['10%', 21, 3], // 2.1, rounded up
    ['10%', 5, 1], // 0.5, rounded up
    ['1%', 10, 1], // 0.1: at least 1
    ['0%', 10, 1], // at least 1
    ['100%', 7, 7],
    ['150%', 4, 6],
    ['12.5%', 8, 1],
    ['12.5%', 9, 2], // 1.125, rounded up
    ['10%', 0, 1], // no machines: still at least 1
    ['16.1%', 1000, 161], // 161.00000000000003 in floating point: not 162
    ['64.4%', 250, 161],
    ['32.2%', 500, 161],
  ] as const)('"%s" of %i machines is %i (rounded up, at least 1)', (size, total, expected) => {
    expect(resolveBatchSize(size, total)).toBe(expected);
  });
});

describe('planBatches, the canary', () => {
  it('takes whole machines: a fractional canary size is floored (and never loops)', () => {
    const batches = planBatches(rack('r1', 4), { batchSize: 2, canary: { agents: 1.5 } });
    expect(shape(batches)).toEqual(['canary [r1] r1-1', '[r1] r1-2 r1-3', '[r1] r1-4']);
  });
});

describe('planBatches', () => {
  describe('without groupBy', () => {
    it('batches in hostname order, the last one with what is left', () => {
      const machines = ['h-e', 'h-b', 'h-a', 'h-d', 'h-c'].map((h) => machine(h));
      expect(shape(planBatches(machines, { batchSize: 2 }))).toEqual(['[] h-a h-b', '[] h-c h-d', '[] h-e']);
    });

    it('orders hostnames as strings: agent-10 comes before agent-9', () => {
      const machines = ['agent-9', 'agent-10', 'agent-1'].map((h) => machine(h));
      expect(shape(planBatches(machines, { batchSize: 1 }))).toEqual(['[] agent-1', '[] agent-10', '[] agent-9']);
    });

    it('numbers the batches from 0 in the order they run, none a canary without one asked for', () => {
      const batches = planBatches(rack('r', 5).map((m) => machine(m.hostname)), { batchSize: 2 });
      expect(batches.map((b) => b.index)).toEqual([0, 1, 2]);
      expect(batches.map((b) => b.canary)).toEqual([false, false, false]);
    });

    it('resolves a share of the selected machines: "25%" of 8 machines is batches of 2', () => {
      const machines = Array.from({ length: 8 }, (_, i) => machine(`agent-${i + 1}`));
      expect(planBatches(machines, { batchSize: '25%' }).map((b) => b.machines.length)).toEqual([2, 2, 2, 2]);
    });

    it('puts the whole fleet in one batch when the batch is larger than the fleet', () => {
      const machines = ['a', 'b', 'c'].map((h) => machine(h));
      expect(shape(planBatches(machines, { batchSize: 10 }))).toEqual(['[] a b c']);
    });

    it('plans nothing for no machines', () => {
      expect(planBatches([], { batchSize: 3 })).toEqual([]);
      expect(planBatches([], { batchSize: '10%', canary: { agents: 2 } })).toEqual([]);
    });
  });

  describe('with groupBy', () => {
    it('packs whole groups into a batch while they fit, in group order', () => {
      const machines = [...rack('zone-a', 2), ...rack('zone-b', 1), ...rack('zone-c', 2), ...rack('zone-d', 1)];
      expect(shape(planBatches(machines, { batchSize: 3 }))).toEqual(['[zone-a,zone-b] zone-a-1 zone-a-2 zone-b-1', '[zone-c,zone-d] zone-c-1 zone-c-2 zone-d-1']);
    });

    it('starts a new batch rather than split a group that fits in one', () => {
      const machines = [...rack('r1', 2), ...rack('r2', 2), ...rack('r3', 1)];
      expect(shape(planBatches(machines, { batchSize: 3 }))).toEqual(['[r1] r1-1 r1-2', '[r2,r3] r2-1 r2-2 r3-1']);
    });

    it('orders groups by their name, whatever their hostnames or the input order', () => {
      const machines = [machine('zz-1', 'rack-b'), machine('aa-1', 'rack-c'), machine('mm-1', 'rack-a')];
      expect(shape(planBatches(machines, { batchSize: 1 }))).toEqual(['[rack-a] mm-1', '[rack-b] zz-1', '[rack-c] aa-1']);
    });

    it('orders the machines of a group by hostname', () => {
      const machines = [machine('c', 'r'), machine('a', 'r'), machine('b', 'r')];
      expect(shape(planBatches(machines, { batchSize: 3 }))).toEqual(['[r] a b c']);
    });

    it('gives a group larger than a batch consecutive batches of its own; the next group does not join its last one', () => {
      const machines = [...rack('big', 5), ...rack('small', 1)];
      expect(shape(planBatches(machines, { batchSize: 2 }))).toEqual(['[big] big-1 big-2', '[big] big-3 big-4', '[big] big-5', '[small] small-1']);
    });

    it('closes the batch under way before a group larger than a batch', () => {
      const machines = [...rack('a', 1), ...rack('b', 3), ...rack('c', 1)];
      expect(shape(planBatches(machines, { batchSize: 2 }))).toEqual(['[a] a-1', '[b] b-1 b-2', '[b] b-3', '[c] c-1']);
    });

    it('makes each machine without the attribute a group of its own, after the named groups, in hostname order', () => {
      const machines = [machine('x-3'), machine('x-1'), ...rack('r1', 2), machine('x-2')];
      expect(shape(planBatches(machines, { batchSize: 2 }))).toEqual(['[r1] r1-1 r1-2', '[] x-1 x-2', '[] x-3']);
    });

    it('packs a machine without the attribute next to the last named group when it fits; only named groups are listed', () => {
      const machines = [...rack('r1', 1), machine('x-1')];
      expect(planBatches(machines, { batchSize: 2 })).toEqual([{ index: 0, canary: false, groups: ['r1'], machines: [machine('r1-1', 'r1'), machine('x-1')] }]);
    });
  });

  describe('canary', () => {
    it('is a first batch of that many machines from the first group; the rest of that group is packed as usual', () => {
      const machines = [...rack('a', 3), ...rack('b', 2)];
      expect(shape(planBatches(machines, { batchSize: 3, canary: { agents: 1 } }))).toEqual(['canary [a] a-1', '[a] a-2 a-3', '[b] b-1 b-2']);
    });

    it('takes from the next groups when the first group is smaller than the canary, and lists each group it took from', () => {
      const machines = [...rack('a', 1), ...rack('b', 3)];
      expect(shape(planBatches(machines, { batchSize: 3, canary: { agents: 2 } }))).toEqual(['canary [a,b] a-1 b-1', '[b] b-2 b-3']);
    });

    it('takes the first hostnames without groupBy', () => {
      const machines = ['d', 'b', 'a', 'c'].map((h) => machine(h));
      expect(shape(planBatches(machines, { batchSize: 2, canary: { agents: 1 } }))).toEqual(['canary [] a', '[] b c', '[] d']);
    });

    it('is the only batch when it asks for the whole fleet or more', () => {
      const machines = ['a', 'b', 'c'].map((h) => machine(h));
      expect(shape(planBatches(machines, { batchSize: 1, canary: { agents: 10 } }))).toEqual(['canary [] a b c']);
    });

    it('has exactly `canary.agents` machines even when that is more than a batch (the input allows it)', () => {
      const machines = ['a', 'b', 'c', 'd', 'e'].map((h) => machine(h));
      const batches = planBatches(machines, { batchSize: 2, canary: { agents: 4 } });
      expect(shape(batches)).toEqual(['canary [] a b c d', '[] e']);
    });

    it('is batch 0 and the only canary; a canary of 0 machines is none at all', () => {
      const machines = [...rack('a', 2), ...rack('b', 2)];
      const batches = planBatches(machines, { batchSize: 2, canary: { agents: 1 } });
      expect(batches.map((b) => [b.index, b.canary])).toEqual([
        [0, true],
        [1, false],
        [2, false],
      ]);
      expect(planBatches(machines, { batchSize: 2, canary: { agents: 0 } })).toEqual(planBatches(machines, { batchSize: 2 }));
    });

    it('splits the first group even when it would fit a batch whole (the canary goes first)', () => {
      const machines = rack('a', 2);
      expect(shape(planBatches(machines, { batchSize: 2, canary: { agents: 1 } }))).toEqual(['canary [a] a-1', '[a] a-2']);
    });
  });

  describe('the same set of machines, the same plan', () => {
    const machines = [...rack('r2', 2), machine('x-1'), ...rack('r1', 3), machine('x-0'), ...rack('r3', 1)];

    it('in any input order', () => {
      const plan = planBatches(machines, { batchSize: 3, canary: { agents: 2 } });
      expect(planBatches([...machines].reverse(), { batchSize: 3, canary: { agents: 2 } })).toEqual(plan);
      const interleaved = [...machines.filter((_, i) => i % 2 === 1), ...machines.filter((_, i) => i % 2 === 0)];
      expect(planBatches(interleaved, { batchSize: 3, canary: { agents: 2 } })).toEqual(plan);
    });

    it('leaves the input untouched, so the same array can be planned again', () => {
      const input = [...machines];
      const first = planBatches(input, { batchSize: 2, canary: { agents: 2 } });
      expect(input).toEqual(machines);
      expect(planBatches(input, { batchSize: 2, canary: { agents: 2 } })).toEqual(first);
    });

    it('carries each machine as given (hostname, ip, agent id, group)', () => {
      const [only] = planBatches([{ hostname: 'agent-7.sim.local', ip: '10.1.2.7', agentId: 'S7', group: 'zone-a' }], { batchSize: 1 });
      expect(only!.machines).toEqual([{ hostname: 'agent-7.sim.local', ip: '10.1.2.7', agentId: 'S7', group: 'zone-a' }]);
    });
  });
});
