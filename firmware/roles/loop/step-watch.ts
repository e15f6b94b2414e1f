// Tells a weak vehicle's step from drift on a loop the detector holds empty. A vehicle halted
// with a little of its metal on the loop, under the off threshold, moves f within a second;
// drift moves it by a few ppm a second at most. The watch keeps a running mean of the loop's
// level (the window's frequency) over STEP_FAST_MS and that mean as it stood STEP_SPAN_MS ago:
// their difference is the rise of the last second, for a ramp at the steepest drift that drift
// over the span, for a step all of it.

/** the running mean's time constant */
const STEP_FAST_MS = 200;
/** the span a rise is measured over, and the slots it is remembered in */
const STEP_SPAN_MS = 1000;
const SLOTS = 8;
/** how far above the noise of the difference (its σ) a step must stand */
const STEP_SIGMAS = 5;
/**
 * the span a creep is measured over: a vehicle rolling on slower than a step a second still
 * rises further in it than the steepest drift does
 */
const CREEP_SPAN_MS = 8000;

export class StepWatch {
  private fast = Number.NaN;
  /** the running mean as it stood STEP_SPAN_MS ago */
  private readonly past = new Lagged(STEP_SPAN_MS);
  /** the running mean as it stood CREEP_SPAN_MS ago */
  private readonly slow = new Lagged(CREEP_SPAN_MS);
  /** a rise (relative) beyond this is a step, not drift */
  private step = 0;
  /** a rise over CREEP_SPAN_MS beyond this is a creep, not drift */
  private creepStep = 0;

  /**
   * The step size for a window's relative noise per gate (σ), the gate length and the steepest
   * drift (relative per ms); at least floor (a share of the off threshold).
   */
  size(noise: number, gateMs: number, maxDriftPerMs: number, floor: number): void {
    const differenceSigma = noise * Math.sqrt(gateMs / STEP_FAST_MS); // two means, each σ·√(gate/2τ)
    this.step = Math.max(floor, STEP_SIGMAS * differenceSigma + maxDriftPerMs * STEP_SPAN_MS);
    // twice the steepest drift's rise: a drift that outruns the belief is not taken for a creep,
    // which would hold the baseline (a false step at start-up once deadlocked it, see the detector)
    this.creepStep = Math.max(floor, STEP_SIGMAS * differenceSigma + 2 * maxDriftPerMs * CREEP_SPAN_MS);
  }

  /** forgets the level (the loop was occupied, or the baseline or window changed) */
  reset(): void {
    this.fast = Number.NaN;
  }

  /**
   * One window's level (Hz), dt ms after the previous. After a reset the rise is measured from
   * the level given as from: the empty loop's level before a passage, so that a weak vehicle left
   * standing on the loop as the one before it leaves is a step too, or the level itself.
   */
  update(hz: number, dt: number, from: number): void {
    if (Number.isNaN(this.fast)) {
      this.fast = hz;
      this.past.fill(from);
      this.slow.fill(from);
      return;
    }
    this.fast += (hz - this.fast) * Math.min(1, dt / STEP_FAST_MS);
    this.past.advance(this.fast, dt);
    this.slow.advance(this.fast, dt);
  }

  /** the step size, relative */
  get stepShift(): number {
    return this.step;
  }

  /** the rise over the last STEP_SPAN_MS relative to baseline (negative: a fall) */
  rise(baseline: number): number {
    return Number.isNaN(this.fast) ? 0 : (this.fast - this.past.oldest) / baseline;
  }

  /** whether the level rose over CREEP_SPAN_MS by more than the steepest drift can (a vehicle creeping on) */
  creeping(baseline: number): boolean {
    return !Number.isNaN(this.fast) && (this.fast - this.slow.oldest) / baseline > this.creepStep;
  }

  /** the level a creep is measured from (CREEP_SPAN_MS ago), relative to baseline */
  creepFrom(baseline: number): number {
    return Number.isNaN(this.fast) ? 0 : this.slow.oldest / baseline - 1;
  }

  /** the level the rise is measured from (STEP_SPAN_MS ago), relative to baseline */
  from(baseline: number): number {
    return Number.isNaN(this.fast) ? 0 : this.past.oldest / baseline - 1;
  }

  /** the recent level relative to baseline */
  level(baseline: number): number {
    return Number.isNaN(this.fast) ? 0 : this.fast / baseline - 1;
  }
}

/** A level as it stood spanMs ago: remembered in SLOTS slots, one every spanMs / SLOTS. */
class Lagged {
  private readonly slots = new Float64Array(SLOTS);
  private next = 0;
  private sinceSlotMs = 0;

  constructor(private readonly spanMs: number) {}

  fill(level: number): void {
    this.slots.fill(level);
    this.sinceSlotMs = 0;
  }

  advance(level: number, dt: number): void {
    this.sinceSlotMs += dt;
    while (this.sinceSlotMs >= this.spanMs / SLOTS) {
      this.sinceSlotMs -= this.spanMs / SLOTS;
      this.slots[this.next] = level;
      this.next = (this.next + 1) % SLOTS;
    }
  }

  get oldest(): number {
    return this.slots[this.next] as number;
  }
}
