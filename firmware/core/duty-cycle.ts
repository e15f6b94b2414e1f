// A transmitter's time-on-air budget over a sliding window (default one hour, 1 %: 36 s).
// Airtime is summed in fixed buckets; the window always spans the current bucket plus `buckets`
// whole earlier ones, so at least a full window of history counts against every transmission:
// conservative, and bounded memory (two small typed arrays) whatever the traffic.

export interface DutyBudgetOptions {
  /** fraction of time on air allowed, e.g. 0.01 */
  dutyCycle: number;
  windowMs?: number;
  buckets?: number;
}

export class DutyBudget {
  readonly budgetMs: number;
  private readonly bucketMs: number;
  private readonly spent: Float64Array;
  /** which absolute bucket number each slot currently holds */
  private readonly slotBucket: Float64Array;
  private readonly buckets: number;

  constructor(options: DutyBudgetOptions) {
    const windowMs = options.windowMs ?? 3_600_000;
    this.buckets = options.buckets ?? 60;
    if (!(options.dutyCycle > 0 && options.dutyCycle <= 1)) throw new RangeError(`dutyCycle ${options.dutyCycle} not in (0, 1]`);
    if (!(windowMs > 0) || !Number.isInteger(this.buckets) || this.buckets < 1) throw new RangeError("bad duty window");
    this.budgetMs = options.dutyCycle * windowMs;
    this.bucketMs = windowMs / this.buckets;
    this.spent = new Float64Array(this.buckets + 1);
    this.slotBucket = new Float64Array(this.buckets + 1).fill(-1);
  }

  /** Airtime counted against the budget at `nowMs`. */
  usedMs(nowMs: number): number {
    const current = this.bucketOf(nowMs);
    let used = 0;
    for (let b = current - this.buckets; b <= current; b++) used += this.spentIn(b);
    return used;
  }

  /** How long from `nowMs` until `airtimeMs` more fits; 0 if it fits now, Infinity if never. */
  waitMs(airtimeMs: number, nowMs: number): number {
    if (airtimeMs > this.budgetMs) return Infinity;
    const current = this.bucketOf(nowMs);
    let excess = this.usedMs(nowMs) + airtimeMs - this.budgetMs;
    if (excess <= 0) return 0;
    // Buckets leave the window oldest first; find the one whose departure frees enough.
    for (let b = current - this.buckets; b <= current; b++) {
      excess -= this.spentIn(b);
      if (excess <= 0) return Math.max(0, (b + this.buckets + 1) * this.bucketMs - nowMs);
    }
    return Infinity;
  }

  spend(airtimeMs: number, nowMs: number): void {
    const bucket = this.bucketOf(nowMs);
    const slot = bucket % this.spent.length;
    if (this.slotBucket[slot] !== bucket) {
      this.slotBucket[slot] = bucket;
      this.spent[slot] = 0;
    }
    this.spent[slot] = this.spent[slot]! + airtimeMs;
  }

  private bucketOf(nowMs: number): number {
    return Math.floor(nowMs / this.bucketMs);
  }

  private spentIn(bucket: number): number {
    if (bucket < 0) return 0;
    const slot = bucket % this.spent.length;
    return this.slotBucket[slot] === bucket ? this.spent[slot]! : 0;
  }
}
