/**
 * Groups frames that arrive together into one store transaction: a durable commit (fsync) per
 * batch rather than per frame, so acks-after-commit cost little throughput. With `maxDelayMs` 0
 * a batch is what arrived in the same event-loop turn (committed at its end, setImmediate): no
 * frame waits for others, and while a commit holds the loop the next frames gather for the next.
 */
export class CommitBatcher<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  /** cancels the scheduled flush, when one is */
  private cancel: (() => void) | undefined;

  constructor(
    private readonly commit: (items: T[]) => R[],
    private readonly maxItems = 100,
    private readonly maxDelayMs = 0,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxItems) this.flush();
      else this.cancel ??= this.schedule();
    });
  }

  flush(): void {
    this.cancel?.();
    this.cancel = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let results: R[];
    try {
      results = this.commit(batch.map((p) => p.item));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i] as R));
  }

  private schedule(): () => void {
    if (this.maxDelayMs === 0) {
      const immediate = setImmediate(() => this.flush());
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(() => this.flush(), this.maxDelayMs);
    return () => clearTimeout(timer);
  }
}
