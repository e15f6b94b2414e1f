// One loop's presence detector. Every gate the role hands it a reciprocal-counting read: whole
// oscillator cycles and the time they took between two stamped edges (platform CycleTimer). It
// keeps the loop's resting frequency (baseline), decides presence from the relative frequency
// shift, and reports vehicle edges and loop faults.
//
// Resolution: a read's frequency is exact but for the stamps' tick and jitter and the
// oscillator's own noise, so it does not grow with the window as a gated count's does (a count
// of n cycles resolves 1/n; 0.01 % ΔL/L at 100 kHz needed 600 ms of counting). At tuning the
// detector measures that noise (σ per gate, robustly, from successive reads) and sizes the
// window so that the off threshold stands RESOLVE_SIGMAS σ above it: N = ⌈(5σ/θ_off)²⌉ gates,
// θ_off = hysteresis · sensitivity/2 as Δf/f (Δf/f ≈ −½·ΔL/L). A well-installed loop (a few
// ppm per 20 ms read) resolves 0.01 % ΔL/L in one gate.
//
// Timing does not hang on the threshold: the edges are where the window sum's rise and fall,
// traced from the threshold down to the noise, meet zero (less the window's length for the
// trailing edge), and the passage's centroid in time is taken over the cycles it added.

import { Fault } from "../../../shared/messages.js";
import { GateHistory } from "./gate-history.js";
import { StepWatch } from "./step-watch.js";
import { DriftFit } from "./drift-fit.js";

/** how far above the measured noise (in its σ over the window) the off threshold must stand */
export const RESOLVE_SIGMAS = 5;
/** longest window, in gates (1.28 s at the default 20 ms gate), for loops far noisier than they should be */
export const MAX_WINDOW = 64;
/** reads kept at tuning for the noise estimate */
const NOISE_READS = 64;
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
/**
 * The tracking time constant is held short enough that the steepest believed drift moves the
 * baseline error by no more than this share of the off threshold while the trend is learnt
 * (a critically damped loop lags a fresh ramp by about 0.7·rate·τ): 3 s at 0.01 %, 12 s at
 * 0.04 %, 50 s at 0.16 %, at most the configured trackTauS.
 */
const TRACK_MARGIN = 0.25;
/**
 * A passage also ends when its shift falls below this share of its peak (see releaseShift): after
 * a long stop the baseline carried along the trend may sit a little off, and the vehicle's
 * departure (a fall of 98 % or more) must not wait for a threshold the residue keeps it above.
 */
const RELEASE_SHARE = 1 / 64;
/**
 * the share of the steepest drift's pace a fitted trend may miss while a vehicle stands (the
 * drift's rate changing within the fit's memory): the baseline's error a release allows for
 */
const MISSED_DRIFT = 0.25;
/** gates followed past a rise's (or a tail's) lowest without a lower one before it is taken as the foot (the floor) */
const FOOT_GATES = 3;
/** two gates' sums this close (relative) are a level top: what falls from it within a gate is a step */
const PLATEAU = 0.05;
/** the longest a tail is followed down (a motorcycle leaving at 5 km/h takes 1.3 s) */
const MAX_TAIL_MS = 2000;
/** how long a tail's floor must hold level after a release to be taken as the baseline's error */
const FLOOR_MS = 200;
/** a weak step smaller than this share of the off threshold may be learnt as drift (see StepWatch) */
const STEP_SHARE = 0.25;
const MAX_CHATTER = 16;
/** a window sum this many σ above zero is above the noise (the foot of a rise, the end of a tail) */
const EDGE_SIGMAS = 3;
/** σ of the median absolute difference of successive reads, for normal noise: 1 / (0.6745·√2) */
const MAD_TO_SIGMA = 1.0483;

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
   * its trailing edge (tOffMs − tOnMs is the on-time), the centroid in time of the cycles it
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
  private tuneCycles = 0;
  private tuneSpanMs = 0;
  private tuneMs = 0;
  private readonly tuneHz = new Float64Array(NOISE_READS);
  private tuneReads = 0;
  /** relative noise of one gate's read, measured at tuning */
  private noise = 0;
  /** a window sum of excess cycles above this is above the noise */
  private edgeCycles = 0;
  private badMs = 0;
  private goodMs = 0;
  private current = 0;
  private latched = 0;
  private readonly history = new GateHistory(HISTORY);
  private window = 1;
  private needed = 1;
  /** the on threshold asked for, ΔL/L: the lane's setting, or held coarser against crosstalk */
  private sensitivity: number;
  private onShift: number;
  private offShift: number;
  private trackTauMs: number;
  /** time the baseline went uncorrected (coasting), which a drift the trend missed may have outrun: it may catch up that much at once */
  private coastedMs = 0;
  private present = false;
  /** since when a weak vehicle's step has stood on the empty loop (NaN: none) */
  private standingMs = Number.NaN;
  /** the level (relative to the baseline) that weak vehicle's step rose from */
  private standFrom = 0;
  /**
   * the empty loop's recent level relative to the baseline, at most TRACK_MARGIN of the off
   * threshold: the baseline's error (a drift's lag before the trend is fitted), which a vehicle
   * left standing as a passage ends is a step from
   */
  private emptyLevel = 0;
  private readonly steps = new StepWatch();
  /** how long the last passage held the loop, and when it ended */
  private heldMs = 0;
  private offMs = Number.NEGATIVE_INFINITY;
  /** trusted early when its error is within what a release allows for (MISSED_DRIFT), at 3 σ */
  private readonly drift = new DriftFit((MISSED_DRIFT * MAX_DRIFT_PER_H) / 3_600_000 / 3);
  /** the frequency at tuning, which the drift fit's levels are relative to */
  private tunedHz = 0;
  private onMs = 0;
  /** a rise first seen in this gate alone: its start is placed with the next gate (-1: none) */
  private placing = -1;
  /** a rise from a standing level: the gate its slope is taken from (-1: none), and the earliest start */
  private placeFrom = -1;
  private placeEarliest = 0;
  // after the off threshold: the tail's lowest gate so far and its sum, and when it began
  private leaving = false;
  /** the passage ended above the off threshold (see releaseShift) */
  private released = false;
  private tailGate = 0;
  /** the first gate below the release (see dipped) */
  private crossGate = 0;
  private tailSum = 0;
  /** gates since the tail's lowest */
  private tailFlat = 0;
  private leftMs = 0;
  /** after a release, since when the tail has held level on its floor (NaN: not yet) */
  private floorMs = Number.NaN;
  // the passage's cycles above baseline, their first moment about onMs, the next gate to add
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
    /** the cycle timer's clock tick, ms: the finest the noise can be */
    private readonly tickMs: number,
  ) {
    this.lastMs = nowMs;
    this.sensitivity = options.sensitivity;
    this.onShift = options.sensitivity / 2;
    this.offShift = this.onShift * options.hysteresis;
    this.trackTauMs = options.trackTauMs;
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

  /** the ΔL/L it can resolve: the setting, or coarser when even MAX_WINDOW gates are too noisy */
  get effectiveSensitivity(): number {
    return this.onShift * 2;
  }

  /** relative noise (σ) of one gate's read, measured at tuning */
  get noisePerGate(): number {
    return this.noise;
  }

  /** Holds the on threshold at least this coarse (ΔL/L), e.g. against crosstalk; false if it already was. */
  holdAt(sensitivity: number): boolean {
    if (this.sensitivity >= sensitivity) return false;
    this.sensitivity = sensitivity;
    this.setWindow(this.window);
    return true;
  }

  /** a trap's two loops share one window, so that both see a vehicle with the same delay */
  setWindow(gates: number): void {
    this.window = Math.max(1, Math.min(MAX_WINDOW, gates));
    const windowSigma = this.noise / Math.sqrt(this.window);
    this.onShift = Math.max(this.sensitivity / 2, (RESOLVE_SIGMAS * windowSigma) / this.options.hysteresis);
    this.offShift = this.onShift * this.options.hysteresis;
    this.trackTauMs = Math.min(this.options.trackTauMs, (TRACK_MARGIN * this.offShift * 3_600_000) / MAX_DRIFT_PER_H);
    // the window sum's σ in cycles: σ/√N of the N gates' expected cycles
    this.edgeCycles = EDGE_SIGMAS * windowSigma * ((this.baseline * this.window * this.options.gateMs) / 1000);
    this.steps.size(this.noise, this.options.gateMs, MAX_DRIFT_PER_H / 3_600_000, STEP_SHARE * this.offShift);
    this.drift.space(this.window * this.options.gateMs);
    this.clear();
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

  /** One gate: the cycles of a read and the time they took (spanMs), the read taken at tMs of uptime. */
  sample(cycles: number, spanMs: number, tMs: number): void {
    const dt = tMs - this.lastMs;
    this.lastMs = tMs;
    if (!(dt > 0)) return;
    const hz = (cycles * 1000) / spanMs;
    const fault = this.rangeFault(hz);
    if (fault) {
      this.outOfRange(fault, dt, tMs);
      return;
    }
    this.badMs = 0;
    if (this.mode === TUNING) this.tune(cycles, spanMs, dt, hz);
    else if (this.mode === FAULTED) this.recover(dt);
    else this.detect(dt, tMs, hz);
  }

  /** No cycles, a read of impossible size, or a frequency outside the tuned range. */
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
    this.tuneCycles = 0;
    this.tuneSpanMs = 0;
    this.tuneMs = 0;
    this.tuneReads = 0;
  }

  /** A second of reads: the baseline is their mean frequency, the noise their scatter. */
  private tune(cycles: number, spanMs: number, dt: number, hz: number): void {
    this.tuneCycles += cycles;
    this.tuneSpanMs += spanMs;
    this.tuneMs += dt;
    if (this.tuneReads < NOISE_READS) this.tuneHz[this.tuneReads++] = hz;
    if (this.tuneMs < TUNE_MS) return;
    this.baseline = (this.tuneCycles * 1000) / this.tuneSpanMs;
    this.trend = 0;
    this.tunedHz = this.baseline;
    this.drift.reset();
    this.noise = Math.max(this.tickMs / this.options.gateMs, this.scatter());
    const off = (this.sensitivity / 2) * this.options.hysteresis;
    this.needed = Math.max(1, Math.min(MAX_WINDOW, Math.ceil(((RESOLVE_SIGMAS * this.noise) / off) ** 2)));
    this.mode = READY;
    this.setWindow(this.needed);
    this.listener.tuned(this.index);
  }

  /**
   * σ of one read's relative frequency from the median absolute difference of successive reads:
   * a vehicle or a glitch during tuning moves a few differences, not the median.
   */
  private scatter(): number {
    const n = this.tuneReads - 1;
    if (n < 1) return 0;
    const d = this.tuneHz;
    for (let i = 0; i < n; i++) d[i] = Math.abs((d[i + 1] as number) - (d[i] as number)) / this.baseline;
    for (let i = 1; i < n; i++) {
      const v = d[i] as number;
      let j = i - 1;
      for (; j >= 0 && (d[j] as number) > v; j--) d[j + 1] = d[j] as number;
      d[j + 1] = v;
    }
    const median = n % 2 ? (d[(n - 1) / 2] as number) : ((d[n / 2 - 1] as number) + (d[n / 2] as number)) / 2;
    return median * MAD_TO_SIGMA;
  }

  private detect(dt: number, tMs: number, hz: number): void {
    // cycles over the gate's time, not the read's span: a read ends on an oscillator stamp, so its
    // span jitters by up to a stamp (3 % of a gate at 100 kHz), and at 0.16 % a shift near the
    // threshold in cycles over the span jitters by more than a window sum's noise (edgeCycles)
    const expected = (this.baseline * dt) / 1000;
    const gate = this.history.push(((hz - this.baseline) * dt) / 1000, expected, dt, tMs);
    if (this.present || this.leaving) this.coast(dt);
    if (gate + 1 < this.window) return; // the window is not full yet
    const h = this.history;
    h.window(gate, this.window);
    const sum = h.windowExcess;
    const span = h.windowSpan;
    const m = sum / h.windowExpected;
    if (this.present) {
      if (this.placing >= 0) this.place(this.placing, gate, span);
      if (m > this.peak) this.peak = m;
      this.collect(gate - this.window - 1); // gates the window has left behind belong to the passage
    }
    if (this.leaving && this.tailDone(gate, sum, tMs)) {
      if (this.dipped(gate, h.windowExpected)) this.stay();
      else this.leave(gate, span, h.windowExpected);
    }
    if (this.present) {
      const release = this.releaseShift(tMs);
      if (m < release) {
        this.released = m >= this.offShift;
        this.startLeaving(gate, sum, tMs);
      }
      else if (tMs - this.onMs > this.options.maxPresenceMs) this.retune(m, tMs);
    } else if (!this.leaving) {
      if (m >= this.onShift) this.begin(gate, span, m);
      else this.track(m, hz, dt, tMs);
    }
  }

  /**
   * The leading edge: where the rise of the window sum, traced back from the threshold crossing
   * to its foot (the first gate above the noise), started (see rampStart).
   */
  private begin(gate: number, span: number, m: number): void {
    const h = this.history;
    // back down the rise to its lowest gate above the noise; a slow rise (a vehicle moving off
    // from a stop) climbs less per gate than the noise, so a gate a little above the one after it
    // does not end the rise, but one clearly above it or FOOT_GATES gates without a new low do
    let foot = gate;
    for (let g = gate - 1, since = 0; g >= h.first && since < FOOT_GATES; g--) {
      const s = h.sumOf(g);
      if (!(s >= this.edgeCycles) || s > h.sumOf(foot) + this.edgeCycles) break;
      if (s < h.sumOf(foot)) {
        foot = g;
        since = 0;
      } else since++;
    }
    this.present = true;
    this.onMs = h.endOf(gate); // until the start is placed: a record closing meanwhile counts occupancy from here
    this.standingMs = Number.NaN;
    this.peak = m;
    if (foot === gate) {
      this.placing = gate; // a strong vehicle crosses the threshold in its first gate
      return;
    }
    // a foot in the noise had the rise start within a window or two before it; a foot on a level
    // well above the noise (a vehicle moving off from a stop with some of its metal on the loop)
    // is no start: the rise is traced back to zero along its slope where it crossed the threshold,
    // from the last FOOT_GATES gates through the next one (it steepens as the vehicle gathers
    // speed, and one standing just under the threshold crosses it in the first gate of its move,
    // before its slope shows)
    if (h.sumOf(foot) >= 2 * this.edgeCycles) {
      this.placing = gate;
      this.placeFrom = Math.max(foot, gate - FOOT_GATES);
      // not before the last passage ended, nor before the level rose from the noise to where it
      // stood, if it did within the history (a vehicle pausing just under the threshold as it rolls
      // on: its slope on the pause says nothing of when it came; or a rise that left the noise for
      // twice its edge in one gate)
      let earliest = Math.max(h.endOf(foot) - MAX_TAIL_MS, this.offMs);
      for (let g = foot - 1; g >= h.first && h.endOf(g) > earliest; g--) {
        const s = h.sumOf(g);
        if (!(s >= this.edgeCycles)) earliest = h.endOf(g);
        if (!(s >= this.edgeCycles) || s > h.sumOf(foot) + 2 * this.edgeCycles) break; // the noise, or the vehicle ahead
      }
      this.placeEarliest = earliest;
      return;
    }
    const onMs = rampStart(h.endOf(foot), h.sumOf(foot), h.endOf(gate), h.sumOf(gate), span);
    this.arrive(Math.min(h.endOf(gate), Math.max(h.endOf(foot) - 2 * span, onMs)));
  }

  /** The start of a rise first seen in one gate, from that gate (or its standing level's slope, see begin) and the next. */
  private place(first: number, gate: number, span: number): void {
    const h = this.history;
    const from = this.placeFrom >= 0 ? this.placeFrom : first;
    const onMs = rampStart(h.endOf(from), h.sumOf(from), h.endOf(gate), h.sumOf(gate), span);
    this.arrive(Math.min(h.endOf(first), Math.max(this.placeFrom >= 0 ? this.placeEarliest : h.endOf(first) - span, onMs)));
  }

  private arrive(onMs: number): void {
    const h = this.history;
    this.placing = this.placeFrom = -1;
    this.onMs = onMs;
    this.area = this.moment = 0;
    let from = h.count - 1;
    while (from > h.first && h.endOf(from - 1) > onMs) from--;
    this.nextGate = from;
    this.noteChatter(onMs);
    this.listener.arrive(this.index, onMs);
  }

  /**
   * The shift below which a passage ends: the off threshold, or lower after a long stop when the
   * baseline's error may have grown beyond it (RELEASE_SHARE of the peak, but no more than the
   * steepest drift could have moved it meanwhile, or the share of it a fitted trend may miss).
   */
  private releaseShift(tMs: number): number {
    const pace = Number.isNaN(this.drift.slope) ? MAX_DRIFT_PER_H : MISSED_DRIFT * MAX_DRIFT_PER_H;
    const drifted = (pace * (tMs - this.onMs)) / 3_600_000;
    return Math.max(this.offShift, Math.min(this.peak * RELEASE_SHARE, drifted));
  }

  /** Below the off threshold: follow the tail of the window sum down to the noise. */
  private startLeaving(gate: number, sum: number, tMs: number): void {
    this.present = false;
    this.leaving = true;
    this.tailGate = this.crossGate = gate;
    this.tailSum = sum;
    this.tailFlat = 0;
    this.leftMs = tMs;
    this.floorMs = Number.NaN;
  }

  /** The tail ends when the sum stops falling (a floor, or the next vehicle), in the noise, or after MAX_TAIL_MS. */
  private tailDone(gate: number, sum: number, tMs: number): boolean {
    if (this.released) return this.floorDone(gate, sum, tMs);
    // as on a rise (see begin), a gate a little above the lowest so far is the noise on a slow fall
    if (sum > this.tailSum + this.edgeCycles || sum < this.edgeCycles || tMs - this.leftMs >= MAX_TAIL_MS) return true;
    if (sum >= this.tailSum) return ++this.tailFlat >= FOOT_GATES;
    this.tailGate = gate;
    this.tailSum = sum;
    this.tailFlat = 0;
    return false;
  }

  /**
   * Whether the fall below the off threshold was the read noise, not a departure: the tail
   * stopped within the noise of the threshold (its lowest window no more than edgeCycles under
   * it), the windows since stand above it on average, and the FOOT_GATES windows before the
   * crossing no more than 2·edgeCycles above those (a standing level, not a vehicle's fall). A
   * weak vehicle left standing a few σ above the off threshold (a motorcycle at the end of a
   * queue) crosses it on a noise dip every few seconds.
   */
  private dipped(gate: number, expected: number): boolean {
    const off = this.offShift * expected;
    const h = this.history;
    if (this.released || this.tailSum < off - this.edgeCycles) return false;
    const after = meanSum(h, Math.min(this.tailGate + 1, gate), gate);
    const before = meanSum(h, Math.max(h.first, this.crossGate - FOOT_GATES), this.crossGate - 1);
    return after >= off && before <= after + 2 * this.edgeCycles;
  }

  /** The passage goes on (see dipped). */
  private stay(): void {
    this.leaving = false;
    this.present = true;
  }

  /**
   * After a release the tail is the baseline's error only where it settles on a floor that holds
   * level for FLOOR_MS (see leave): a rise above it is the next vehicle (a slow one adds less than
   * the noise per gate, so the level is judged over the whole hold), and a tail that falls into
   * the noise leaves none. Level means within 2·edgeCycles of the floor: a read and the floor each
   * carry the noise.
   */
  private floorDone(gate: number, sum: number, tMs: number): boolean {
    const band = 2 * this.edgeCycles;
    if (sum < this.edgeCycles || tMs - this.leftMs >= MAX_TAIL_MS || (!Number.isNaN(this.floorMs) && sum > this.tailSum + band)) {
      this.released = false;
      return true;
    }
    if (Number.isNaN(this.floorMs) ? sum < this.tailSum : sum < this.tailSum - band) {
      this.tailGate = gate; // still falling
      this.tailSum = sum;
      this.floorMs = Number.NaN;
      return false;
    }
    if (Number.isNaN(this.floorMs)) this.floorMs = tMs;
    return tMs - this.floorMs >= FLOOR_MS;
  }

  /**
   * The trailing edge: the fall of the window sum, through its last two gates above the noise,
   * traced to where the metal left the loop (the mirror image of a rise, see rampStart); the
   * metal had left by the end of the first window in the noise. A tail that settled above the off
   * threshold (released by RELEASE_SHARE) is baseline error left by the stop: the baseline takes it.
   */
  private leave(gate: number, span: number, expected: number): void {
    const h = this.history;
    // a tail that stopped falling above the noise stands on a floor (baseline error, or the next
    // vehicle): the fall is measured above it
    const floor = this.tailSum >= this.edgeCycles ? this.tailSum : 0;
    const above = (g: number): number => h.sumOf(g) - floor;
    let last = this.tailGate;
    while (last > h.first && !(above(last) >= this.edgeCycles)) last--;
    const before = Math.max(h.first, last - 1);
    const endMs = this.window === 1 && this.plateau(before, floor)
      ? h.startOf(last) + (Math.max(0, above(last)) / above(before)) * span // a fall within one gate: a step
      : -rampStart(-h.endOf(last), above(last), -h.endOf(before), above(before), span) - span;
    const noiseMs = last < gate ? h.endOf(last + 1) : Number.POSITIVE_INFINITY;
    const offMs = Math.max(this.onMs, Math.min(noiseMs, endMs));
    while (this.nextGate <= gate && this.history.startOf(this.nextGate) < offMs) this.add(this.nextGate++);
    this.finish(offMs);
    const residue = this.tailSum / expected;
    if (this.released && residue >= this.offShift) {
      this.baseline *= 1 + residue;
      this.clear();
    }
  }

  /** whether the gate's sum is level with the one before it (within PLATEAU, above floor), as on a step's top */
  private plateau(gate: number, floor: number): boolean {
    const h = this.history;
    const s = h.sumOf(gate) - floor;
    const previous = h.sumOf(gate - 1) - floor;
    return gate > h.first && Math.abs(s - previous) <= PLATEAU * s;
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
    this.steps.reset();
    this.heldMs = tOffMs - this.onMs;
    this.offMs = tOffMs;
    if (this.placing >= 0) {
      this.arrive(Math.min(tOffMs, this.history.endOf(this.history.count - 1)));
    }
    this.present = false;
    this.leaving = false;
    const centroid = this.area > 0 ? this.onMs + this.moment / this.area : (this.onMs + tOffMs) / 2;
    this.listener.depart(this.index, this.onMs, tOffMs, centroid, 2 * this.peak);
  }

  /**
   * Follows drift while the loop is empty: the level with time constant trackTauMs (see
   * TRACK_MARGIN), the trend the slope of the empty loop's level (DriftFit), so that a steady
   * drift (a road warming up) is followed without lasting lag and carried through a vehicle's
   * presence. A weak vehicle's step (StepWatch) is held out until it leaves. Below the baseline,
   * which no vehicle causes (e.g. after a re-tune), or on a quick fall (a weak vehicle the
   * baseline took leaving), it follows quickly.
   */
  private track(m: number, hz: number, dt: number, tMs: number): void {
    const steps = this.steps;
    // after a passage, a level the steepest drift can have built meanwhile is the drift's, to
    // catch up (see coastedMs); beyond that it is a vehicle left standing, a step from the level
    // the empty loop stood at before it
    const drifted = this.emptyLevel + (MAX_DRIFT_PER_H * this.heldMs) / 3_600_000;
    steps.update(this.baseline * (1 + m), dt, this.baseline * (1 + (m > drifted ? this.emptyLevel : m)));
    const rise = steps.rise(this.baseline);
    // a level above the off threshold is something weak standing there, as a step is: neither is
    // learnt, for at most maxPresenceMs; then the level is the loop's own
    const weak = m >= this.offShift;
    if (!Number.isNaN(this.standingMs)) {
      if (weak || steps.level(this.baseline) - this.standFrom >= steps.stepShift / 2) {
        if (tMs - this.standingMs < this.options.maxPresenceMs) this.coast(dt);
        else this.settle(steps.level(this.baseline));
        return;
      }
      this.standingMs = Number.NaN;
    } else if (weak || rise > steps.stepShift || steps.creeping(this.baseline)) {
      this.standingMs = tMs;
      this.standFrom = Math.min(steps.from(this.baseline), steps.creepFrom(this.baseline));
      this.coast(dt);
      return;
    }
    if (m < -this.onShift || rise < -steps.stepShift) {
      this.baseline += (hz - this.baseline) * Math.min(1, dt / FAST_TAU_MS);
      // so far below, the levels the fit holds were not the loop's (a vehicle taken by a re-tune):
      // it starts again, and the trend stays meanwhile
      if (m < -this.onShift) this.drift.reset();
      return;
    }
    // a level rising by half a step within the second is a vehicle rolling on, not the empty loop's
    if (rise < steps.stepShift / 2) {
      this.emptyLevel = Math.max(-this.offShift, Math.min(TRACK_MARGIN * this.offShift, steps.level(this.baseline)));
    }
    const limit = (MAX_DRIFT_PER_H * this.baseline) / 3_600_000;
    this.drift.add((this.baseline * (1 + m)) / this.tunedHz - 1, tMs, dt);
    const slope = this.drift.slope;
    if (!Number.isNaN(slope)) this.trend = Math.max(-limit, Math.min(limit, slope * this.tunedHz));
    // the level correction moves no faster than the steepest believed drift (plus what it may have
    // outrun while coasting): a vehicle halted with a little of its metal on the loop, just under
    // the off threshold, is a step no drift makes, and the baseline must not learn it within the stop
    const slew = limit * (dt + this.coastedMs);
    const step = Math.max(-slew, Math.min(slew, Math.min(1, dt / this.trackTauMs) * (hz - this.baseline)));
    this.coastedMs = Math.max(0, this.coastedMs - dt - Math.max(0, Math.abs(step) / limit - dt));
    this.baseline += this.trend * dt + step;
  }

  /** While a vehicle is on the loop the drift goes on: carry the baseline along its trend. */
  private coast(dt: number): void {
    this.baseline += this.trend * dt;
    this.coastedMs += dt;
  }

  /** Presence beyond the maximum: take the present frequency as the new baseline. */
  private retune(m: number, tMs: number): void {
    this.latched |= Fault.stuckPresence;
    this.finish(tMs);
    this.settle(m);
  }

  /** A level (relative) held beyond the maximum presence is the loop's: the new baseline, which the fit's levels were not. */
  private settle(level: number): void {
    this.baseline *= 1 + level;
    this.drift.reset();
    this.clear();
  }

  /** forgets the recent gates and levels (the baseline or the window changed) */
  private clear(): void {
    this.history.clear();
    this.steps.reset();
    this.standingMs = Number.NaN;
    this.emptyLevel = 0;
  }

  private noteChatter(tMs: number): void {
    const n = Math.min(this.options.chatterPerS, MAX_CHATTER);
    const slot = this.onCount % n;
    if (this.onCount >= n && tMs - (this.onTimes[slot] as number) < 1000) this.latched |= Fault.chatter;
    this.onTimes[slot] = tMs;
    this.onCount++;
  }
}

/** the mean window sum of gates from to to (inclusive; NaN when there are none) */
function meanSum(h: GateHistory, from: number, to: number): number {
  let sum = 0;
  for (let g = from; g <= to; g++) sum += h.sumOf(g);
  return sum / (to - from + 1);
}

/**
 * Where a linear ramp of coverage (metal moving onto the loop) started, from two window sums on
 * its rise, s1 at t1 before s2 at t2, each the sum over the w ms before its time. While the window
 * still reaches back before the ramp the sum grows with the square of the time into it (√s is
 * linear), afterwards linearly (it is zero w/2 after the start); t1 may sit in the first regime
 * and t2 in the second. A sum at t1 of zero or less puts the start at t1.
 */
export function rampStart(t1: number, s1: number, t2: number, s2: number, w: number): number {
  if (!(s1 > 0) || !(s2 > s1)) return t1;
  const d = t2 - t1;
  const linear = t1 - (s1 * d) / (s2 - s1) - w / 2;
  if (t1 - linear >= w) return linear;
  const r1 = Math.sqrt(s1);
  const square = t1 - (r1 * d) / (Math.sqrt(s2) - r1);
  if (t2 - square <= w) return square;
  // s1 = a·x²/2 and s2 = a·w·(x + d − w/2) with x = t1 − start
  const r = s2 / s1;
  return t1 - (w + Math.sqrt(w * w + 2 * r * w * (d - w / 2))) / r;
}
