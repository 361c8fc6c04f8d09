// A workflow that fills its thread's heap until V8 stops it (test/e2e/worker-thread.test.ts): the way a worker's
// workflow thread dies when the worker has too little memory for its cache.
export async function memoryHog(): Promise<void> {
  const kept: string[][] = [];
  for (;;) kept.push(Array.from({ length: 100_000 }, (_, i) => `${i}-${kept.length}-${Math.random()}`));
}
