// From a distance to what a flood room acts on: the water level (temperature-compensated),
// its rate of rise, and a status against thresholds with hysteresis.

import { FloodStatus } from "../../../shared/roles/flood.js";

/** speed of sound in air, m/s, at t °C */
export function soundSpeed(tC: number): number {
  return 331.3 + 0.606 * tC;
}

/**
 * An ultrasonic ranger turns echo time into distance with the speed of sound at a temperature it
 * assumes. We take that as a fixed `assumedC` (20 °C by default, a setting); a ranger that
 * compensates by itself (an external MaxBotix temperature probe) should run with no
 * temperature sensor here. The true distance is the echo time times the true speed of sound:
 * about 0.17 % per °C, so 35 mm at 2 m on a 30 °C afternoon uncorrected.
 */
export function compensatedDistanceMm(reportedMm: number, airDc: number, assumedC: number): number {
  if (Number.isNaN(airDc)) return reportedMm;
  return (reportedMm * soundSpeed(airDc / 10)) / soundSpeed(assumedC);
}

/**
 * Rate of rise in mm/h: the least-squares slope of the levels of the last `windowS` seconds,
 * kept in a fixed ring (at most `capacity` points, so a short reporting interval shortens the
 * window rather than growing memory).
 */
export class RiseRate {
  private readonly times: Float64Array;
  private readonly levels: Float64Array;
  private next = 0;
  private size = 0;

  constructor(private windowS: number, capacity = 32) {
    this.times = new Float64Array(capacity);
    this.levels = new Float64Array(capacity);
  }

  setWindow(windowS: number): void {
    this.windowS = windowS;
  }

  add(tS: number, levelMm: number): void {
    this.times[this.next] = tS;
    this.levels[this.next] = levelMm;
    this.next = (this.next + 1) % this.times.length;
    this.size = Math.min(this.size + 1, this.times.length);
  }

  /** mm/h over the window ending at nowS; 0 with fewer than two points in it */
  mmPerHour(nowS: number): number {
    let n = 0;
    let st = 0;
    let sl = 0;
    for (let i = 0; i < this.size; i++) {
      const t = this.times[i] as number;
      if (nowS - t > this.windowS) continue;
      n++;
      st += t;
      sl += this.levels[i] as number;
    }
    if (n < 2) return 0;
    const mt = st / n;
    const ml = sl / n;
    let num = 0;
    let den = 0;
    for (let i = 0; i < this.size; i++) {
      const t = this.times[i] as number;
      if (nowS - t > this.windowS) continue;
      num += (t - mt) * ((this.levels[i] as number) - ml);
      den += (t - mt) * (t - mt);
    }
    return den > 0 ? (num / den) * 3600 : 0;
  }
}

export interface Thresholds {
  alertMm: number;
  dangerMm: number;
  /** a status is left only once the level is this far below its threshold */
  hysteresisMm: number;
}

export interface StatusChange {
  status: number;
  previous: number;
  /** the threshold crossed last: the new status's on the way up, the one just left on the way down */
  thresholdMm: number;
}

/**
 * normal / alert / danger. Up at the threshold, down only below threshold − hysteresis, so a
 * level that hovers at a threshold (waves, sensor noise) changes status once, not every report.
 */
export class FloodStatusMachine {
  private current: number = FloodStatus.normal;

  constructor(private thresholds: Thresholds) {}

  get status(): number {
    return this.current;
  }

  setThresholds(t: Thresholds): void {
    this.thresholds = t;
  }

  update(levelMm: number): StatusChange | undefined {
    const previous = this.current;
    let next = this.rawStatus(levelMm);
    if (next < previous) {
      next = previous;
      while (next > FloodStatus.normal && levelMm < this.threshold(next) - this.thresholds.hysteresisMm) next--;
    }
    if (next === previous) return undefined;
    this.current = next;
    return { status: next, previous, thresholdMm: this.threshold(next > previous ? next : next + 1) };
  }

  private rawStatus(levelMm: number): number {
    if (levelMm >= this.thresholds.dangerMm) return FloodStatus.danger;
    if (levelMm >= this.thresholds.alertMm) return FloodStatus.alert;
    return FloodStatus.normal;
  }

  private threshold(status: number): number {
    return status === FloodStatus.danger ? this.thresholds.dangerMm : this.thresholds.alertMm;
  }
}
