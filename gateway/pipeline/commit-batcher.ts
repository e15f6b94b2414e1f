/**
 * Groups frames that arrive together into one store transaction: a durable commit (fsync) per
 * batch rather than per frame, so acks-after-commit cost little throughput. With `maxDelayMs` 0
 * a batch is what arrived in the same event-loop turn (committed at its end, setImmediate): no
 * frame waits for others. One commit runs at a time (the store has one writer, and batches keep
 * their order); while it runs (off the event loop, in the commit thread), the next frames
 * gather, and go as the next batch the moment it ends.
 */
export class CommitBatcher<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  /** cancels the scheduled commit, when one is */
  private cancel: (() => void) | undefined;
  /** the commit running now */
  private running: Promise<void> | undefined;

  constructor(
    private readonly commit: (items: T[]) => R[] | Promise<R[]>,
    /** most items in one transaction */
    private readonly maxItems = 500,
    private readonly maxDelayMs = 0,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // while a commit runs, what arrives waits for it to end
      if (this.running) return;
      if (this.pending.length >= this.maxItems) this.start();
      else this.cancel ??= this.schedule();
    });
  }

  /** Commits what is waiting now, without waiting for the turn to end; resolves once nothing waits or runs (at shutdown). */
  async flush(): Promise<void> {
    this.start();
    while (this.running) await this.running;
  }

  private start(): void {
    this.cancel?.();
    this.cancel = undefined;
    if (this.running || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxItems);
    this.running = this.run(batch).finally(() => {
      this.running = undefined;
      this.start();
    });
  }

  private async run(batch: typeof this.pending): Promise<void> {
    let results: R[];
    try {
      results = await this.commit(batch.map((p) => p.item));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i] as R));
  }

  private schedule(): () => void {
    if (this.maxDelayMs === 0) {
      const immediate = setImmediate(() => this.start());
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(() => this.start(), this.maxDelayMs);
    return () => clearTimeout(timer);
  }
}
