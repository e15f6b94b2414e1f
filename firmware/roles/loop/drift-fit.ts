// The loop's drift as the slope of a straight line fitted (least squares, forgetting with time
// constant TREND_TAU_MS) to its level while it stands empty. A fit takes its slope from every
// empty stretch it holds, across the vehicles between them, so at start-up the trend is known
// within seconds, and a vehicle's presence adds nothing to it; a correction-driven trend learns
// only while the loop is empty and slowly (it was at 0.3 of the drift six minutes into a queue).
// Times are relative to the latest sample, which keeps the sums small on a loop that runs for months.

/** how long the fit remembers */
const FIT_TAU_MS = 300_000;
/** the samples' spread in time (σ, ms) beyond which the slope is trusted */
const MIN_SPREAD_MS = 5000;
/** the least spread (σ, ms) for a slope whose scatter shows it already within maxError */
const SOONEST_SPREAD_MS = 1000;

export class DriftFit {
  // Σw, Σw·t, Σw·t², Σw·y, Σw·t·y, Σw·y² with t ≤ 0 the age of each sample
  private w = 0;
  private t1 = 0;
  private t2 = 0;
  private y = 0;
  private ty = 0;
  private yy = 0;
  private lastMs = Number.NaN;
  /** how far apart (ms) the levels are independent: the detector's window */
  private spacingMs = 1;

  /**
   * maxError: the slope's standard error (relative per ms) under which it is trusted before its
   * samples spread MIN_SPREAD_MS: on a quiet loop a few seconds of levels fit the drift closely
   */
  constructor(private readonly maxError: number) {}

  /** the levels' noise is independent over this many ms (the window they are means of) */
  space(ms: number): void {
    this.spacingMs = ms;
  }

  reset(): void {
    this.w = this.t1 = this.t2 = this.y = this.ty = this.yy = 0;
    this.lastMs = Number.NaN;
  }

  /** a level y (relative) at tMs, weighted by the time it stands for */
  add(y: number, tMs: number, weightMs: number): void {
    const d = Number.isNaN(this.lastMs) ? 0 : tMs - this.lastMs;
    this.lastMs = tMs;
    if (d > 0) {
      this.t2 += d * (d * this.w - 2 * this.t1);
      this.t1 -= d * this.w;
      this.ty -= d * this.y;
      const keep = Math.exp(-d / FIT_TAU_MS);
      this.w *= keep;
      this.t1 *= keep;
      this.t2 *= keep;
      this.y *= keep;
      this.ty *= keep;
      this.yy *= keep;
    }
    this.w += weightMs;
    this.y += weightMs * y;
    this.yy += weightMs * y * y;
  }

  /**
   * the slope, relative per ms, or NaN while the samples span too short a time: MIN_SPREAD_MS, or
   * SOONEST_SPREAD_MS when the levels' scatter about the line puts its standard error within maxError
   */
  get slope(): number {
    const spread = this.w * this.t2 - this.t1 * this.t1; // W·Σw(t − t̄)²
    if (!(this.w > 0) || spread < SOONEST_SPREAD_MS * SOONEST_SPREAD_MS * this.w * this.w) return Number.NaN;
    const slope = (this.w * this.ty - this.t1 * this.y) / spread;
    if (spread >= MIN_SPREAD_MS * MIN_SPREAD_MS * this.w * this.w) return slope;
    const residual = Math.max(0, this.yy - (this.y * this.y) / this.w - (slope * slope * spread) / this.w) / this.w;
    return (residual * this.spacingMs * this.w) / spread <= this.maxError * this.maxError ? slope : Number.NaN;
  }
}
