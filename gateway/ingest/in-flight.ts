/**
 * Backpressure from the way out to the way in. A frame is in flight from the moment a link hands
 * it over until the pipeline is done with it (stored, acked, published to every subscriber).
 * Links read as fast as bytes come, and a burst (a bridge's backlog, a PTY) would otherwise queue
 * without bound in memory behind the slowest stage; past `high` frames the links stop reading
 * (bytes wait in the port, units keep what is not acked) until the count falls to `low`.
 */
export class InFlightLimit {
  private count = 0;
  private holding = false;

  constructor(
    private readonly limits: { high: number; low: number },
    private readonly hold: (on: boolean) => void,
  ) {}

  get inFlight(): number {
    return this.count;
  }

  /** Counts `work` in flight until it settles; its outcome is passed on untouched. */
  track<T>(work: Promise<T>): Promise<T> {
    this.count++;
    if (!this.holding && this.count >= this.limits.high) this.set(true);
    const done = (): void => {
      this.count--;
      if (this.holding && this.count <= this.limits.low) this.set(false);
    };
    work.then(done, done);
    return work;
  }

  private set(on: boolean): void {
    this.holding = on;
    this.hold(on);
  }
}
