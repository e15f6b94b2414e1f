// The loop's drift as the slope of a straight line fitted (least squares, forgetting with time
// constant TREND_TAU_MS) to its level while it stands empty. A fit takes its slope from every
// empty stretch it holds, across the vehicles between them, so at start-up the trend is known
// within seconds, and a vehicle's presence adds nothing to it; a correction-driven trend learns
// only while the loop is empty and slowly (it was at 0.3 of the drift six minutes into a queue).
// Times are relative to the latest sample, which keeps the sums small on a loop that runs for months.

/** how long the fit remembers */
const FIT_TAU_MS = 300_000;
/** the samples' spread in time (σ, ms) before the slope is trusted */
const MIN_SPREAD_MS = 5000;

export class DriftFit {
  // Σw, Σw·t, Σw·t², Σw·y, Σw·t·y with t ≤ 0 the age of each sample
  private w = 0;
  private t1 = 0;
  private t2 = 0;
  private y = 0;
  private ty = 0;
  private lastMs = Number.NaN;

  reset(): void {
    this.w = this.t1 = this.t2 = this.y = this.ty = 0;
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
    }
    this.w += weightMs;
    this.y += weightMs * y;
  }

  /** the slope, relative per ms, or NaN while the samples span too short a time */
  get slope(): number {
    const spread = this.w * this.t2 - this.t1 * this.t1;
    if (!(this.w > 0) || spread < MIN_SPREAD_MS * MIN_SPREAD_MS * this.w * this.w) return Number.NaN;
    return (this.w * this.ty - this.t1 * this.y) / spread;
  }
}
