/**
 * Sharing one cluster's work among concurrent callers in a worker: reads (many runs' checks and the watcher need
 * the same GET_AGENTS) and registrations (many runs register with the same watcher workflow, which admits only
 * 10 Updates in flight). No I/O of its own: the read and the send are given.
 */

/**
 * A read shared by concurrent callers. A caller joins the read in flight only if it has not started yet — else
 * the next one — so every caller gets an answer read after it asked (an answer already in flight could predate
 * the question).
 */
export class CoalescingReader<T> {
  private inFlight: Promise<T> | undefined;
  private next: Promise<T> | undefined;

  constructor(private readonly fetch: () => Promise<T>) {}

  read(): Promise<T> {
    if (!this.inFlight) return this.start();
    this.next ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<T> {
    const p = this.fetch().finally(() => {
      if (this.inFlight === p) this.inFlight = undefined;
    });
    this.inFlight = p;
    return p;
  }
}

/**
 * Sends items in batches, one batch at a time: items added while a batch is being sent go together in the next
 * (at most `maxBatch` each). Each `add` resolves or rejects with its batch.
 */
export class Batcher<T> {
  private pending: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private sending = false;

  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    private readonly maxBatch = 200,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.sending) {
        this.sending = true;
        // Let the other callers of this tick join the first batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await this.send(batch.map((p) => p.item));
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.sending = false;
  }
}
