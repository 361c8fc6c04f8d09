import { Batcher, CoalescingReader } from '../../../src/convergence/sharing';

/** A fetch the test resolves by hand: each call is a numbered read. */
function manualFetch() {
  const calls: { n: number; resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const fetch = () => new Promise<number>((resolve, reject) => calls.push({ n: calls.length + 1, resolve, reject }));
  return { calls, fetch };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CoalescingReader', () => {
  it('callers during a read share the next one, never the one already in flight', async () => {
    const { calls, fetch } = manualFetch();
    const reader = new CoalescingReader(fetch);
    const a = reader.read();
    const b = reader.read();
    const c = reader.read();
    expect(calls).toHaveLength(1);
    calls[0]!.resolve(1);
    await expect(a).resolves.toBe(1);
    await tick();
    expect(calls).toHaveLength(2); // b and c: one read, started after they asked
    calls[1]!.resolve(2);
    await expect(b).resolves.toBe(2);
    await expect(c).resolves.toBe(2);
  });

  it('a failed read fails its callers only; the next callers get a fresh read', async () => {
    const { calls, fetch } = manualFetch();
    const reader = new CoalescingReader(fetch);
    const a = reader.read();
    const b = reader.read();
    calls[0]!.reject(new Error('503'));
    await expect(a).rejects.toThrow('503');
    await tick();
    calls[1]!.resolve(7);
    await expect(b).resolves.toBe(7);
    const c = reader.read();
    expect(calls).toHaveLength(3);
    calls[2]!.resolve(8);
    await expect(c).resolves.toBe(8);
  });
});

describe('Batcher', () => {
  it('sends the items of one tick together, and later ones in the next batch', async () => {
    const sent: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new Batcher<number>((items) => {
      sent.push(items);
      return new Promise<void>((r) => (release = r));
    }, 3);
    const first = [1, 2].map((i) => batcher.add(i));
    await tick();
    expect(sent).toEqual([[1, 2]]);
    const second = [3, 4, 5, 6].map((i) => batcher.add(i));
    release();
    await Promise.all(first);
    await tick();
    expect(sent).toEqual([[1, 2], [3, 4, 5]]);
    release();
    await tick();
    expect(sent).toEqual([[1, 2], [3, 4, 5], [6]]);
    release();
    await Promise.all(second);
  });

  it('a failed batch rejects each of its items', async () => {
    const batcher = new Batcher<number>(() => Promise.reject(new Error('refused')));
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
