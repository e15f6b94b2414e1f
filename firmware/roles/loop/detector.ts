// One loop's presence detector. Every gate the role hands it the oscillator counts since the
// previous read; it keeps the loop's resting frequency (baseline), decides presence from the
// relative frequency shift, and reports vehicle edges and loop faults.
//
// Resolution: a read of n counts resolves 1/n in f, i.e. 2/n in ΔL/L (Δf/f ≈ −½·ΔL/L). The
// quantisation error of consecutive reads telescopes, so a sum over a window of N gates is
// exact to ±1 count. The window is therefore sized so that the on threshold spans at least
// MIN_COUNTS counts: N = ceil(MIN_COUNTS / (θ·f·gate)), θ = sensitivity/2 as Δf/f. Example:
// 0.16 % at 100 kHz with 20 ms gates needs 38 ms (N = 2); 0.04 % needs 150 ms (N = 8);
// 0.01 % needs 600 ms (N = 30). A vehicle is seen at all only when its passage adds more than
// MIN_COUNTS counts (a motorcycle at 0.1 % ΔL/L over a 110 kHz loop adds about 6 at 50 km/h).
//
// Timing does not hang on the threshold: the edges are where the window sum's rise and fall,
// traced from the threshold down to the counting noise, meet zero (less the window's length for
// the trailing edge), and the passage's centroid in time is taken over the counts it added.

import { Fault } from "../../../shared/messages.js";
import { GateHistory } from "./gate-history.js";

/** counts the on threshold must span within the window (quantisation is ±1 count) */
export const MIN_COUNTS = 3;
/** longest window, in gates (1.28 s at the default 20 ms gate) */
export const MAX_WINDOW = 64;
/** gates remembered: a passage's last window and its tail besides the window itself */
const HISTORY = 2 * MAX_WINDOW + 2;
const TUNE_MS = 1000;
/** a vehicle never shifts f this much; a read beyond it is a glitch or a loop fault */
const MAX_SHIFT = 0.15;
/** how long a loop must stay out of (or back in) range before the fault is raised (or cleared) */
const FAULT_MS = 1000;
/** the steepest baseline trend believed, as a share of f per hour (temperature moves f by tenths of a percent) */
const MAX_DRIFT_PER_H = 0.01;
/** baseline time constant when f sits below it, which no vehicle causes (e.g. after a re-tune) */
const FAST_TAU_MS = 500;
const MAX_CHATTER = 16;
/** a window sum above this many counts is above the counting noise (±1 count) */
const EDGE_COUNTS = 1.5;

export interface DetectorOptions {
  /** ΔL/L on threshold, a fraction (0.0016 = 0.16 %) */
  sensitivity: number;
  /** off threshold as a share of the on threshold */
  hysteresis: number;
  gateMs: number;
  maxPresenceMs: number;
  fMinHz: number;
  fMaxHz: number;
  /** on-transitions within one second that count as chatter */
  chatterPerS: number;
  /** baseline follow time constant while the loop is empty */
  trackTauMs: number;
}

export interface DetectorListener {
  /** a vehicle's leading edge (ms of uptime, between gates) */
  arrive(loop: number, tOnMs: number): void;
  /**
   * its trailing edge (tOffMs − tOnMs is the on-time), the centroid in time of the counts it
   * added (the same vehicle's centroids at two loops are d/v apart whatever the threshold) and
   * its largest ΔL/L over a window
   */
  depart(loop: number, tOnMs: number, tOffMs: number, centroidMs: number, peakShift: number): void;
  /** the baseline is set (at start and after a fault clears) */
  tuned(loop: number): void;
}

const TUNING = 0;
const READY = 1;
const FAULTED = 2;

export class LoopDetector {
  private mode = TUNING;
  private baseline = 0;
  /** baseline drift, Hz per ms */
  private trend = 0;
  private lastMs: number;
  private tuneCounts = 0;
  private tuneMs = 0;
  private badMs = 0;
  private goodMs = 0;
  private current = 0;
  private latched = 0;
  private readonly history = new GateHistory(HISTORY);
  private window = 1;
  private needed = 1;
  private onShift: number;
  private offShift: number;
  private prevSum = 0;
  private prevMs = 0;
  private present = false;
  private onMs = 0;
  // after the off threshold: the last gate above it and the lowest point of the tail so far
  private leaving = false;
  private anchorSum = 0;
  private anchorMs = 0;
  private tailSum = 0;
  private tailMs = 0;
  private leftMs = 0;
  // the passage's counts above baseline, their first moment about onMs, the next gate to add
  private area = 0;
  private moment = 0;
  private nextGate = 0;
  private peak = 0;
  private readonly onTimes = new Float64Array(MAX_CHATTER);
  private onCount = 0;

  constructor(
    readonly index: number,
    private readonly options: DetectorOptions,
    private readonly listener: DetectorListener,
    nowMs: number,
  ) {
    this.lastMs = nowMs;
    this.onShift = options.sensitivity / 2;
    this.offShift = this.onShift * options.hysteresis;
  }

  /** the resting frequency in Hz (0 before the first tune) */
  get baselineHz(): number {
    return this.baseline;
  }

  /** a vehicle is on the loop, or its trailing edge is not placed yet */
  get occupied(): boolean {
    return this.present || this.leaving;
  }

  /** leading edge of the vehicle present now */
  get occupiedSinceMs(): number {
    return this.onMs;
  }

  get tuned(): boolean {
    return this.mode === READY;
  }

  /** the window this loop needs for its sensitivity at its frequency, in gates */
  get neededWindow(): number {
    return this.needed;
  }

  get windowGates(): number {
    return this.window;
  }

  /** the ΔL/L it can resolve: the setting, or coarser when even MAX_WINDOW gates are too few */
  get effectiveSensitivity(): number {
    return this.onShift * 2;
  }

  /** a trap's two loops share one window, so that both see a vehicle with the same delay */
  setWindow(gates: number): void {
    this.window = Math.max(1, Math.min(MAX_WINDOW, gates));
    const resolvable = MIN_COUNTS / ((this.baseline * this.window * this.options.gateMs) / 1000);
    this.onShift = Math.max(this.options.sensitivity / 2, resolvable);
    this.offShift = this.onShift * this.options.hysteresis;
    this.history.clear();
  }

  /** loop faults in force now (open, shorted) */
  get faults(): number {
    return this.current;
  }

  /** fault events since the last call: stuck presence, chatter, and any open/short raised */
  takeEvents(): number {
    const bits = this.latched;
    this.latched = 0;
    return bits;
  }

  /** One gate: the counts since the previous read, taken at tMs of uptime. */
  sample(counts: number, tMs: number): void {
    const dt = tMs - this.lastMs;
    this.lastMs = tMs;
    if (!(dt > 0)) return;
    const hz = (counts * 1000) / dt;
    const fault = this.rangeFault(hz);
    if (fault) {
      this.outOfRange(fault, dt, tMs);
      return;
    }
    this.badMs = 0;
    if (this.mode === TUNING) this.tune(counts, dt);
    else if (this.mode === FAULTED) this.recover(dt);
    else this.detect(counts, dt, tMs, hz);
  }

  /** Zero counts, a read of impossible size, or a frequency outside the tuned range. */
  private rangeFault(hz: number): number {
    if (!(hz >= this.options.fMinHz)) return Fault.loopOpen; // NaN and negatives land here too
    if (hz > this.options.fMaxHz) return Fault.loopShorted;
    if (this.baseline > 0) {
      const shift = hz / this.baseline - 1;
      if (shift < -MAX_SHIFT) return Fault.loopOpen;
      if (shift > MAX_SHIFT) return Fault.loopShorted;
    }
    return 0;
  }

  /** A single odd read is skipped; one that persists for FAULT_MS is a loop fault. */
  private outOfRange(fault: number, dt: number, tMs: number): void {
    this.goodMs = 0;
    this.badMs += dt;
    if (this.mode !== FAULTED && this.badMs >= FAULT_MS) {
      if (this.present || this.leaving) this.finish(Math.max(this.onMs, tMs - this.badMs));
      this.mode = FAULTED;
    }
    if (this.mode === FAULTED) {
      this.current = fault;
      this.latched |= fault;
    }
  }

  private recover(dt: number): void {
    this.goodMs += dt;
    if (this.goodMs < FAULT_MS) return;
    this.current = 0;
    this.mode = TUNING;
    this.tuneCounts = 0;
    this.tuneMs = 0;
  }

  private tune(counts: number, dt: number): void {
    this.tuneCounts += counts;
    this.tuneMs += dt;
    if (this.tuneMs < TUNE_MS) return;
    this.baseline = (this.tuneCounts * 1000) / this.tuneMs;
    this.trend = 0;
    const perGate = ((this.options.sensitivity / 2) * this.baseline * this.options.gateMs) / 1000;
    this.needed = Math.max(1, Math.min(MAX_WINDOW, Math.ceil(MIN_COUNTS / perGate)));
    this.mode = READY;
    this.setWindow(this.needed);
    this.listener.tuned(this.index);
  }

  private detect(counts: number, dt: number, tMs: number, hz: number): void {
    const expected = (this.baseline * dt) / 1000;
    const gate = this.history.push(counts - expected, expected, dt, tMs);
    if (this.present || this.leaving) this.coast(dt);
    if (gate + 1 < this.window) return; // the window is not full yet
    const h = this.history;
    h.window(gate, this.window);
    const sum = h.windowExcess;
    const span = h.windowSpan;
    const m = sum / h.windowExpected;
    if (this.present) {
      if (m > this.peak) this.peak = m;
      this.collect(gate - this.window - 1); // gates the window has left behind belong to the passage
    }
    if (this.leaving && this.tailDone(sum, tMs, span)) this.leave(gate, span);
    if (this.present) {
      if (m < this.offShift) this.startLeaving(sum, tMs);
      else if (tMs - this.onMs > this.options.maxPresenceMs) this.retune(m, tMs);
    } else if (!this.leaving) {
      if (m >= this.onShift) this.begin(gate, span, m);
      else this.track(m, hz, dt);
    }
    this.prevSum = sum;
    this.prevMs = tMs;
  }

  /**
   * The leading edge: where the rise of the window sum, traced back from the threshold crossing
   * to its foot (the first gate above the counting noise), meets zero. The sum of a flank that
   * grows linearly (metal progressively covering the loop) grows with the square of time, so the
   * line goes through √sum; a step is found within a few ms as well.
   */
  private begin(gate: number, span: number, m: number): void {
    const h = this.history;
    let foot = gate;
    for (let g = gate - 1; g >= h.first; g--) {
      const s = h.sumOf(g);
      if (!(s >= EDGE_COUNTS) || s >= h.sumOf(g + 1)) break;
      foot = g;
    }
    if (foot === gate && gate > h.first && !Number.isNaN(h.sumOf(gate - 1))) foot = gate - 1;
    const tMs = h.endOf(gate);
    const onMs = zeroOfRoot(h.endOf(foot), h.sumOf(foot), tMs, h.sumOf(gate));
    this.present = true;
    this.onMs = Math.min(tMs, Math.max(tMs - 2 * span, onMs));
    this.peak = m;
    this.area = this.moment = 0;
    let from = gate;
    while (from > h.first && h.endOf(from - 1) > this.onMs) from--;
    this.nextGate = from;
    this.noteChatter(this.onMs);
    this.listener.arrive(this.index, this.onMs);
  }

  /** Below the off threshold: follow the tail of the window sum down to the counting noise. */
  private startLeaving(sum: number, tMs: number): void {
    this.present = false;
    this.leaving = true;
    this.anchorSum = this.prevSum;
    this.anchorMs = this.prevMs;
    this.tailSum = sum;
    this.tailMs = tMs;
    this.leftMs = tMs;
  }

  /** The tail ends in the noise, when the sum stops falling (the floor, or the next vehicle), or after one window. */
  private tailDone(sum: number, tMs: number, span: number): boolean {
    if (sum < EDGE_COUNTS || sum >= this.tailSum || tMs - this.leftMs >= span) return true;
    this.tailSum = sum;
    this.tailMs = tMs;
    return false;
  }

  /** The trailing edge: the fall of the window sum traced to zero, less the window's length. */
  private leave(gate: number, span: number): void {
    const zeroMs = zeroOfRoot(this.anchorMs, this.anchorSum, this.tailMs, this.tailSum);
    const offMs = Math.max(this.onMs, Math.min(this.tailMs + span, zeroMs) - span);
    while (this.nextGate <= gate && this.history.startOf(this.nextGate) < offMs) this.add(this.nextGate++);
    this.finish(offMs);
  }

  /** Adds the passage's gates up to gate to its area and moment. */
  private collect(gate: number): void {
    while (this.nextGate <= gate) this.add(this.nextGate++);
  }

  private add(gate: number): void {
    const h = this.history;
    const excess = h.excessOf(gate);
    this.area += excess;
    this.moment += excess * ((h.startOf(gate) + h.endOf(gate)) / 2 - this.onMs);
  }

  private finish(tOffMs: number): void {
    this.present = false;
    this.leaving = false;
    const centroid = this.area > 0 ? this.onMs + this.moment / this.area : (this.onMs + tOffMs) / 2;
    this.listener.depart(this.index, this.onMs, tOffMs, centroid, 2 * this.peak);
  }

  /**
   * Follows drift while the loop is empty: a critically damped level-and-trend loop with the
   * configured time constant, so a steady drift (a road warming up) is followed without lag.
   * Below the baseline, which no vehicle causes (e.g. after a re-tune), it follows quickly.
   */
  private track(m: number, hz: number, dt: number): void {
    if (m >= this.offShift) {
      this.coast(dt); // something weak is there: do not learn it
      return;
    }
    if (m < -this.onShift) {
      this.baseline += (hz - this.baseline) * Math.min(1, dt / FAST_TAU_MS);
      this.trend = 0;
      return;
    }
    const k = Math.min(1, dt / this.options.trackTauMs);
    const error = hz - this.baseline;
    this.baseline += this.trend * dt + 2 * k * error;
    this.trend += (k * k * error) / dt;
    const limit = (MAX_DRIFT_PER_H * this.baseline) / 3_600_000;
    this.trend = Math.max(-limit, Math.min(limit, this.trend));
  }

  /** While a vehicle is on the loop the drift goes on: carry the baseline along its trend. */
  private coast(dt: number): void {
    this.baseline += this.trend * dt;
  }

  /** Presence beyond the maximum: take the present frequency as the new baseline. */
  private retune(m: number, tMs: number): void {
    this.latched |= Fault.stuckPresence;
    this.finish(tMs);
    this.baseline *= 1 + m;
    this.history.clear();
  }

  private noteChatter(tMs: number): void {
    const n = Math.min(this.options.chatterPerS, MAX_CHATTER);
    const slot = this.onCount % n;
    if (this.onCount >= n && tMs - (this.onTimes[slot] as number) < 1000) this.latched |= Fault.chatter;
    this.onTimes[slot] = tMs;
    this.onCount++;
  }
}

/**
 * Where the line through (t1, √s1) and (t2, √s2) reaches zero: the start (or end) of a sum that
 * grows (or shrinks) with the square of time. Equal roots give t2.
 */
export function zeroOfRoot(t1: number, s1: number, t2: number, s2: number): number {
  const r1 = Math.sqrt(Math.max(0, s1));
  const r2 = Math.sqrt(Math.max(0, s2));
  return r1 === r2 ? t2 : t1 - (r1 * (t2 - t1)) / (r2 - r1);
}
