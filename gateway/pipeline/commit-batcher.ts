interface Waiter<R> {
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Groups frames that arrive together into one store transaction: a durable commit (fsync) per
 * batch rather than per frame, so acks-after-commit cost little throughput. With `maxDelayMs` 0
 * a batch is what arrived in the same event-loop turn (committed at its end, setImmediate): no
 * frame waits for others. One commit runs at a time (the store has one writer, and batches keep
 * their order); while it runs (off the event loop, in the commit thread), the next frames
 * gather, and go as the next batch the moment it ends.
 */
export class CommitBatcher<T, R> {
  /**
   * What waits for the next commit: the items, and apart from them who waits for each. Once a
   * batch is handed to `commit`, only its waiters are kept while the commit runs, so its items
   * (a reading's record and message) can die young rather than be promoted with every frame in flight.
   */
  private items: T[] = [];
  private waiters: Waiter<R>[] = [];
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
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      // while a commit runs, what arrives waits for it to end
      if (this.running) return;
      if (this.items.length >= this.maxItems) this.start();
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
    if (this.running || this.items.length === 0) return;
    const waiters = this.waiters.splice(0, this.maxItems);
    this.running = this.settle(this.begin(this.items.splice(0, this.maxItems)), waiters).finally(() => {
      this.running = undefined;
      this.start();
    });
  }

  /** Hands the items over; a commit that throws at once fails like one that rejects. */
  private begin(items: T[]): Promise<R[]> {
    try {
      return Promise.resolve(this.commit(items));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async settle(committing: Promise<R[]>, waiters: Waiter<R>[]): Promise<void> {
    let results: R[];
    try {
      results = await committing;
    } catch (err) {
      for (const w of waiters) w.reject(err);
      return;
    }
    waiters.forEach((w, i) => w.resolve(results[i] as R));
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
