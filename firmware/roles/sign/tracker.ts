// Turns a stream of radar reports into vehicles. A Doppler radar reports its strongest target
// 10-22 times a second while it is in range, so one vehicle is a run of approaching reports
// whose dropouts stay shorter than a gap; it is counted once, when the run ends.
// Two guards keep read errors out of its speed (a partial line merged with the next can read
// 225.4 for 25.4 and still look plausible):
// - a report more than MAX_STEP away from the run's last one is held aside: a vehicle cannot
//   change speed that fast. If SWITCH_REPORTS such reports in a row agree with each other, the
//   radar has moved to another target: the run ends there and a new one starts with them;
//   otherwise they were glitches and are dropped;
// - the speed is the highest median of three consecutive reports, so one stray value that
//   slips under MAX_STEP cannot set it. The highest, because the radar reads v·cos θ and θ is
//   smallest far from the sign.
// A run shorter than minReports is clutter (a bird, a pedestrian, a read error), not a vehicle.

export interface TrackerConfig {
  /** a dropout at least this long ends the vehicle */
  gapMs: number;
  /** reports a run needs to be a vehicle */
  minReports: number;
  /** approaching reports slower than this are ignored (walkers, swaying poles) */
  minSpeedDkmh: number;
}

/** a finished vehicle: its speed and the time of its last report */
export type VehicleHandler = (speedDkmh: number, lastReportMs: number) => void;

/** 15 km/h between reports a tenth of a second apart is beyond any vehicle's braking */
const MAX_STEP_DKMH = 150;
const SWITCH_REPORTS = 3;

export class Tracker {
  private reports = 0;
  /** the run's last two reports */
  private older = 0;
  private previous = 0;
  private peak = 0;
  private lastMs = 0;
  /** reports held aside (far from the run), oldest first */
  private readonly aside = new Int32Array(SWITCH_REPORTS);
  private asideMs = 0;
  private asideCount = 0;
  /** runs dropped as clutter */
  blips = 0;
  /** single reports dropped as glitches */
  glitches = 0;

  constructor(private readonly config: TrackerConfig, private readonly onVehicle: VehicleHandler) {}

  /** one radar report at nowMs; outbound and slow reports do not touch the run */
  report(nowMs: number, speedDkmh: number): void {
    if (speedDkmh < this.config.minSpeedDkmh) return;
    this.expire(nowMs);
    if (this.reports > 0 && Math.abs(speedDkmh - this.previous) > MAX_STEP_DKMH) {
      this.holdAside(nowMs, speedDkmh);
      return;
    }
    this.glitches += this.asideCount;
    this.asideCount = 0;
    this.accept(nowMs, speedDkmh);
  }

  /** ends the current run if its gap has passed by nowMs */
  expire(nowMs: number): void {
    const lastMs = Math.max(this.lastMs, this.asideCount > 0 ? this.asideMs : 0);
    if (this.reports > 0 && nowMs - lastMs >= this.config.gapMs) this.finish();
  }

  /** a vehicle is in view: enough reports and no gap yet */
  get confirmed(): boolean {
    return this.reports >= this.config.minReports;
  }

  /** the current vehicle's speed so far (0 when none) */
  get speedDkmh(): number {
    return this.peak;
  }

  private accept(nowMs: number, speedDkmh: number): void {
    this.reports++;
    this.lastMs = nowMs;
    const filtered = this.reports >= 3 ? median3(this.older, this.previous, speedDkmh)
      : this.reports === 2 ? Math.min(this.previous, speedDkmh) : speedDkmh;
    this.older = this.previous;
    this.previous = speedDkmh;
    // until three reports there is no median: the speed so far is provisional
    this.peak = this.reports <= 3 ? filtered : Math.max(this.peak, filtered);
  }

  private holdAside(nowMs: number, speedDkmh: number): void {
    if (this.asideCount > 0 && Math.abs(speedDkmh - (this.aside[this.asideCount - 1] as number)) > MAX_STEP_DKMH) {
      this.glitches += this.asideCount;
      this.asideCount = 0;
    }
    this.aside[this.asideCount++] = speedDkmh;
    this.asideMs = nowMs;
    if (this.asideCount < SWITCH_REPORTS) return;
    // another target: close this run and start the next with the reports held aside
    this.asideCount = 0;
    this.finish();
    for (let i = 0; i < SWITCH_REPORTS; i++) this.accept(nowMs, this.aside[i] as number);
  }

  private finish(): void {
    if (this.confirmed) this.onVehicle(this.speedDkmh, this.lastMs);
    else this.blips++;
    this.glitches += this.asideCount;
    this.asideCount = 0;
    this.reports = 0;
    this.peak = 0;
  }
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}
