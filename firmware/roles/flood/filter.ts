// The two filters between raw readings and a level.
// 1. Within a burst (FloodNet: 5 readings 150 ms apart) the median: one or two wild readings
//    out of five (about 1 % of raw ultrasonic readings are) cannot move it.
// 2. Across measurements, FloodNet's "blip" rule: a point that jumps by more than a minimum and
//    comes back is dropped. FloodNet applies it on the server, looking at the next point. On the
//    device we keep it causal without delaying every report: a measurement that jumps is held
//    as suspect and confirming measurements are taken a few seconds apart (not a whole interval
//    apart). As soon as one is back near the last accepted level the jump was a blip (a bird, a
//    leaf, a splash) and is dropped; once CONFIRMATIONS in a row agree with the jump, the water
//    really moved and the newest reading is used. Two checks, not one, because two passing
//    objects a few seconds apart can agree with each other by chance. A run of readings that
//    agree with nothing ends after MAX_SUSPECTS with the newest taken, so reports never stall.
//    So a report never carries an unconfirmed jump, and a real change is reported a few short
//    confirmations late.

export class BurstMedian {
  private readonly values: Int32Array;
  private n = 0;

  constructor(capacity: number) {
    this.values = new Int32Array(capacity);
  }

  clear(): void {
    this.n = 0;
  }

  add(value: number): void {
    if (this.n < this.values.length) this.values[this.n++] = Math.round(value);
  }

  get count(): number {
    return this.n;
  }

  /** median of the values added (the mean of the middle two for an even count); NaN if none */
  median(): number {
    const v = this.values;
    const n = this.n;
    if (n === 0) return NaN;
    // insertion sort in place: a burst is a handful of values
    for (let i = 1; i < n; i++) {
      const x = v[i] as number;
      let j = i - 1;
      while (j >= 0 && (v[j] as number) > x) {
        v[j + 1] = v[j] as number;
        j--;
      }
      v[j + 1] = x;
    }
    const mid = n >> 1;
    return n % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  }
}

export const Verdict = { accepted: 0, suspect: 1 } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** measurements after a jump that must agree with it */
const CONFIRMATIONS = 2;
/** suspect measurements in a row before the newest is taken anyway */
const MAX_SUSPECTS = 6;

export class BlipFilter {
  private accepted = NaN;
  private suspect = NaN;
  /** suspects in a row */
  private suspects = 0;
  /** of those, how many in a row agree with the one before */
  private agreeing = 0;
  /** jumps dropped as blips */
  blips = 0;

  /** minJumpMm <= 0 turns the filter off */
  constructor(private minJumpMm: number) {}

  setMinJump(mm: number): void {
    this.minJumpMm = mm;
  }

  /** the last accepted level (NaN before the first) */
  get level(): number {
    return this.accepted;
  }

  /** Offers a measurement. `suspect` means: hold it and measure again soon. */
  offer(mm: number): Verdict {
    const jumped = this.minJumpMm > 0 && !Number.isNaN(this.accepted) && Math.abs(mm - this.accepted) > this.minJumpMm;
    if (!jumped) {
      if (!Number.isNaN(this.suspect)) this.blips++;
      return this.accept(mm);
    }
    const agrees = !Number.isNaN(this.suspect) && Math.abs(mm - this.suspect) <= this.minJumpMm;
    this.agreeing = agrees ? this.agreeing + 1 : 0;
    this.suspects++;
    if (this.agreeing >= CONFIRMATIONS || this.suspects > MAX_SUSPECTS) return this.accept(mm);
    this.suspect = mm;
    return Verdict.suspect;
  }

  private accept(mm: number): Verdict {
    this.accepted = mm;
    this.suspect = NaN;
    this.suspects = 0;
    this.agreeing = 0;
    return Verdict.accepted;
  }
}
