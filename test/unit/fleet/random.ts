/**
 * Seeded random inputs for the fleet's property tests (fast-check is not a dependency). The same seed gives the same
 * cases on every run, so a failure names an input that reproduces.
 */
export interface Random {
  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
}

/** mulberry32: small, fast, and good enough to vary test inputs. */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(0, items.length - 1)]!,
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}

/**
 * The cases among `count` generated ones for which `holds` is false, as `describe` shows them: a property test
 * expects this list to be empty, so a failure prints the inputs that break it.
 */
export function counterexamples<T>(count: number, generate: (random: Random) => T, holds: (input: T) => boolean, describe: (input: T) => unknown = (x) => x): unknown[] {
  const found: unknown[] = [];
  for (let seed = 1; seed <= count; seed++) {
    const input = generate(seeded(seed));
    if (!holds(input)) found.push({ seed, input: describe(input) });
    if (found.length >= 3) break;
  }
  return found;
}
