// Two loops a known distance apart (leading edge to leading edge) in one lane: a vehicle's
// speed is v = d / (t₂ − t₁) and its length L = v · t_on − L_loop from the mean on-time of both
// loops. t₂ − t₁ is taken between the centroids of the counts the vehicle added at each loop:
// the same metal passing two equal loops gives the same signature shifted by d/v, and the
// centroid uses every count of it, so the timing does not hang on the gate grid or the threshold
// (leading edges are the fallback). The lead loop counts volume and occupancy, so a vehicle the
// trail loop misses is still counted; its length then comes from the lane's recent speed.
// In a queue the loops see vehicles halt, merge and part differently; a trail detection goes to
// the oldest waiting vehicle unless that pairing is impossible (kinematics.ts, the order of
// vehicles, a peak far from the vehicle's own), and then to the vehicle it can be: the next one
// waiting, one given up that halted between the loops (which then gets its speed late), or none.

import { vehicleClass, vehicleLengthM } from "./classify.js";
import { SHORTEST_VEHICLE_M, TrapKinematics } from "./kinematics.js";
import type { IntervalAggregator } from "./interval.js";
import type { Lane } from "./lane.js";

/** vehicles in flight between the loops (a bounded queue; the oldest is given up when full) */
const MAX_PENDING = 8;
const MAX_SPEED_MPS = 250 / 3.6;
/** a vehicle standing 40 s or more in the trap in a queue still gets its trap speed */
const MIN_SPEED_MPS = 0.05;
/** the record's speed resolution, 1 km/h */
const SPEED_RESOLUTION_MPS = 1 / 3.6;
/** weight of each new speed in the lane's recent speed, used for vehicles without their own */
const RECENT_WEIGHT = 1 / 16;
/**
 * A vehicle at least SHORTEST_VEHICLE_M long, whose lead-loop on-time is t_on, moves at least
 * (L + L_loop) / t_on, so it reaches the trail loop within d·t_on / (L + L_loop); with a margin
 * for the on-time's error (edges are placed within a few ms), this tells a vehicle the trail
 * loop missed, or merged with another, from the next one.
 */
const ON_TIME_MARGIN = 1.4;
/**
 * A vehicle whose peak stays within this factor of the on threshold crosses it near its flat top,
 * where the noise decides when: its edges, and a trap time from them, say nothing of its speed
 * (it is counted, without a speed).
 */
const FAINT = 1.25;
/**
 * a lead-loop detection this many times stronger than a trail-loop one is not the same vehicle's
 * (two or three two-wheelers abreast, merged at the lead loop, are at most about this much
 * stronger than one of them alone)
 */
const MERGED_PEAKS = 4;
/** the largest ratio between one vehicle's peaks at the two loops (noise, a partial cover) */
const PEAK_AGREEMENT = 1.3;

/** whether two peaks (or on-times) can be one vehicle's: their ratio is at most ratio */
function sameVehicle(a: number, b: number, ratio = PEAK_AGREEMENT): boolean {
  return a <= ratio * b && b <= ratio * a;
}

export interface SpeedTrapOptions {
  /** the lane's on threshold, ΔL/L */
  sensitivity: number;
  spacingM: number;
  loopLengthM: number;
  meanLengthM: number;
  classEdgesM: readonly number[];
}

/** One vehicle between its lead-loop leading edge and its completion; NaN = not yet known. */
class Passage {
  tA = Number.NaN;
  onA = Number.NaN;
  centroidA = Number.NaN;
  tB = Number.NaN;
  onB = Number.NaN;
  centroidB = Number.NaN;
  peakShift = 0;
  unpaired = false;

  set(tA: number): void {
    this.tA = tA;
    this.onA = this.centroidA = this.tB = this.onB = this.centroidB = Number.NaN;
    this.peakShift = 0;
    this.unpaired = false;
  }

  get complete(): boolean {
    if (Number.isNaN(this.onA)) return false;
    return this.unpaired || !Number.isNaN(this.onB);
  }
}

/**
 * on-times at the two loops further apart than this ratio (one a quarter shorter) mean the vehicle
 * stopped on one of them (a queue): its centroids then say when it stood, not when it passed
 */
const ON_TIMES = 1 / (1 - 0.25);

export class SpeedTrap implements Lane {
  readonly loops: readonly number[];
  private readonly queue: Passage[] = [];
  private head = 0;
  private size = 0;
  private recentMps = Number.NaN;
  /**
   * the last lead-loop passage given up for want of a trail arrival (its start and on-time): a
   * vehicle that halted between the loops reaches the trail loop later, and that arrival is its
   * own, not the next vehicle's
   */
  private strayStartMs = Number.NaN;
  private strayOnMs = Number.NaN;
  private strayPeak = 0;
  /**
   * a trail detection ended while its vehicle's lead-loop detection went on: the lead loop held a
   * follower there, and vehicles keep their order, so the trail loop's next arrival (at owedMs)
   * is that follower's, no new passage's
   */
  private owed = false;
  private owedMs = Number.NaN;
  private readonly minTravelMs: number;
  private readonly maxTravelMs: number;
  private readonly kinematics: TrapKinematics;

  constructor(
    readonly aggregator: IntervalAggregator,
    private readonly lead: number,
    private readonly trail: number,
    private readonly options: SpeedTrapOptions,
  ) {
    this.loops = [lead, trail];
    for (let i = 0; i < MAX_PENDING; i++) this.queue.push(new Passage());
    this.minTravelMs = (options.spacingM / MAX_SPEED_MPS) * 1000;
    this.maxTravelMs = (options.spacingM / MIN_SPEED_MPS) * 1000;
    this.kinematics = new TrapKinematics(options.spacingM, options.loopLengthM);
  }

  arrive(loop: number, tOnMs: number): void {
    if (loop === this.lead) this.leadArrives(tOnMs);
    else if (loop === this.trail) this.trailArrives(tOnMs);
  }

  depart(loop: number, tOnMs: number, tOffMs: number, centroidMs: number, peakShift: number): void {
    if (loop === this.lead) {
      this.aggregator.occupy(tOnMs, tOffMs);
      const p = this.find((q) => q.tA === tOnMs);
      if (p) {
        p.onA = tOffMs - tOnMs;
        p.centroidA = centroidMs;
        p.peakShift = Math.max(p.peakShift, peakShift);
      }
    } else if (loop === this.trail) {
      let p = this.find((q) => q.tB === tOnMs);
      if (p && this.strayArrived(p, tOnMs, tOffMs - tOnMs, tOffMs, peakShift)) {
        p.tB = Number.NaN;
        p = undefined;
      } else if (p && !this.owns(p, tOnMs, tOffMs, peakShift, true)) {
        p.tB = Number.NaN;
        p = this.nextOwner(p, tOnMs, tOffMs, peakShift);
        if (p) p.tB = tOnMs;
      }
      if (p && p.tB === tOnMs) {
        p.onB = tOffMs - tOnMs;
        p.centroidB = centroidMs;
        p.peakShift = Math.max(p.peakShift, peakShift);
        // vehicles keep their order: once one behind the stray reached the trail loop, the stray has (unseen)
        if (p.tA > this.strayStartMs) this.strayStartMs = this.strayOnMs = Number.NaN;
      } else if (!p) {
        this.strayArrived(undefined, tOnMs, tOffMs - tOnMs, tOffMs, peakShift);
      }
    }
    this.drain();
  }

  /** A lead-loop vehicle that the trail loop has not seen within its longest plausible travel time is unpaired. */
  tick(nowMs: number): void {
    for (let i = 0; i < this.size; i++) {
      const p = this.at(i);
      if (Number.isNaN(p.tB) && !p.unpaired && nowMs - p.tA > Math.min(this.maxTravelMs, this.longestTravelMs(p) + p.onA / 2)) {
        p.unpaired = true;
        this.strayStartMs = p.tA;
        this.strayOnMs = p.onA;
        this.strayPeak = p.peakShift;
      }
    }
    if (nowMs - this.strayStartMs > this.maxTravelMs) this.strayStartMs = this.strayOnMs = Number.NaN;
    this.drain();
  }

  /**
   * Whether a trail detection given to p (from tBMs to nowMs) is rather another vehicle's: the
   * one given up last (see strayArrived), or one the lead loop held in the detection before p's
   * (see owed). A vehicle leaves the trail loop after the lead loop, so a detection that ends
   * while p is still on the lead loop is p's only if the lead loop holds a follower of p's there
   * (two vehicles merged at the lead loop, apart at the trail loop): then one detection of p's
   * lead-loop passage is still to come at the trail loop.
   */
  private owns(p: Passage, tBMs: number, nowMs: number, peakShift: number, first: boolean): boolean {
    const onMs = nowMs - tBMs;
    if (!Number.isNaN(p.onA)) {
      const travel = tBMs - p.tA;
      if (p.peakShift > MERGED_PEAKS * peakShift || !this.kinematics.reachable(travel, onMs, peakShift)) return false;
      if (!this.kinematics.catchable(travel, p.onA, p.peakShift)) return false;
      // on-times that agree are a steady crossing, or a stand across both loops at once
      return !sameVehicle(p.onA, onMs, ON_TIMES) || this.kinematics.fits(travel, onMs, peakShift) || travel < p.onA;
    }
    if (!first) return false;
    if (tBMs === this.owedMs) return false;
    this.owed = true;
    return true;
  }

  /**
   * The first passage after p still waiting, if it can own the trail detection (see owns). Vehicles
   * keep their order, so p and those between, passed at the trail loop, will not reach it: they
   * are unpaired.
   */
  private nextOwner(p: Passage, tBMs: number, nowMs: number, peakShift: number): Passage | undefined {
    const i = this.indexOf(p);
    const j = this.nextWaiting(i, tBMs);
    if (j < 0) return undefined;
    const q = this.at(j);
    if (!this.owns(q, tBMs, nowMs, peakShift, false)) return undefined;
    for (let k = i; k < j; k++) if (Number.isNaN(this.at(k).tB)) this.at(k).unpaired = true;
    return q;
  }

  /** the index of the first passage after index i still waiting for a trail detection that began at tBMs (−1 if none) */
  private nextWaiting(i: number, tBMs: number): number {
    for (let j = i + 1; j < this.size; j++) {
      const q = this.at(j);
      if (Number.isNaN(q.tB) && !q.unpaired && tBMs - q.tA >= this.minTravelMs) return j;
    }
    return -1;
  }

  /**
   * Whether a trail detection (on-time onMs from tBMs, ended at nowMs, peak peakShift), given to p
   * or to no passage, is rather the arrival of the vehicle given up last: their peaks agree, and
   * p's pairing cannot be (p would be too long or too short for its peak at the speed it implies),
   * or p's on-time at the lead loop disagrees with the detection's and the stray's is nearer (p's
   * is at least the time it has stood there so far; a vehicle that halted partly on a loop, under
   * the threshold, cuts its own short). The stray then gets its speed if it can have halted
   * between the loops (see TrapKinematics.haltable) and its interval is still open: it was counted without one.
   */
  private strayArrived(p: Passage | undefined, tBMs: number, onMs: number, nowMs: number, peakShift: number): boolean {
    if (Number.isNaN(this.strayStartMs) || nowMs - this.strayStartMs > this.maxTravelMs) return false;
    if (tBMs - this.strayStartMs < this.minTravelMs || !sameVehicle(this.strayPeak, peakShift)) return false;
    if (p && this.kinematics.fits(tBMs - p.tA, onMs, peakShift)) {
      // p still on the lead loop: its on-time is at least nowMs − tA, and it owns a detection that
      // ended meanwhile only for a follower merged there (see owns), so a stray that can have
      // halted between the loops is the likelier owner
      const standing = Number.isNaN(p.onA);
      const pOnMs = standing ? nowMs - p.tA : p.onA;
      if (standing ? pOnMs < onMs || !this.kinematics.haltable(this.strayOnMs, this.strayPeak) : sameVehicle(p.onA, onMs, ON_TIMES)) return false;
      if (Math.abs(this.strayOnMs - onMs) >= Math.abs(pOnMs - onMs)) return false;
    }
    // nor is it the stray's when the next vehicle waiting, which gets it otherwise, matches it better
    // (the stray then crossed the trail loop merged with the vehicle ahead)
    const next = p ? this.nextWaiting(this.indexOf(p), tBMs) : -1;
    if (next >= 0) {
      const q = this.at(next);
      const nearer = Math.abs(q.onA - onMs) < Math.abs(this.strayOnMs - onMs);
      if (nearer && sameVehicle(q.onA, onMs, ON_TIMES) && this.kinematics.fits(tBMs - q.tA, onMs, peakShift)) return false;
    }
    if (this.strayTimed(tBMs - this.strayStartMs)) {
      this.aggregator.speed(this.strayStartMs, (this.options.spacingM * 1000) / (tBMs - this.strayStartMs));
    }
    this.strayStartMs = this.strayOnMs = Number.NaN;
    return true;
  }

  /**
   * whether the stray, reaching the trail loop travelMs after the lead loop, gets a speed: it can
   * have halted between the loops, and it is not faint, or its trap time is so long that its lead
   * edge, which the noise may place anywhere in its on-time, moves its speed by under half the
   * record's resolution (d · t_on / T²)
   */
  private strayTimed(travelMs: number): boolean {
    if (!this.kinematics.haltable(this.strayOnMs, this.strayPeak)) return false;
    const edgeErrorMps = (this.options.spacingM * this.strayOnMs * 1000) / (travelMs * travelMs);
    return this.strayPeak >= FAINT * this.options.sensitivity || edgeErrorMps <= SPEED_RESOLUTION_MPS / 2;
  }

  /**
   * The record of the interval ending at boundaryMs goes out with vehicles of it still on the lead
   * loop (it was held half an interval for them). One whose trail detection is over left the lead
   * loop to a follower merged with it there, and one whose trail detection is still on stands across
   * both loops (its peak, which comes with the departure, is not known yet): their leading edges
   * time them. Any other has not reached the trail loop yet, so its trap speed lies between 0 and
   * d / (now − t_A), and it is given the middle once that span is within the record's resolution.
   * Their classes come too late for the record.
   */
  closing(boundaryMs: number, nowMs: number): void {
    for (let i = 0; i < this.size; i++) {
      const p = this.at(i);
      if (p.tA >= boundaryMs) break;
      if (p.unpaired || !Number.isNaN(p.onA)) continue;
      if (!Number.isNaN(p.tB)) {
        if (Number.isNaN(p.onB) || p.peakShift >= FAINT * this.options.sensitivity) this.aggregator.speed(p.tA, (this.options.spacingM * 1000) / (p.tB - p.tA));
        continue;
      }
      const fastest = (this.options.spacingM * 1000) / (nowMs - p.tA);
      if (fastest <= SPEED_RESOLUTION_MPS) this.aggregator.speed(p.tA, fastest / 2);
    }
  }

  /** a vehicle not complete yet, or a stray that may get its speed when it reaches the trail loop */
  waitingBefore(tMs: number): boolean {
    return (this.size > 0 && this.at(0).tA < tMs) || (this.strayStartMs < tMs && this.kinematics.haltable(this.strayOnMs, this.strayPeak));
  }

  private leadArrives(tOnMs: number): void {
    this.aggregator.count(tOnMs);
    if (this.size === MAX_PENDING) {
      this.at(0).unpaired = true;
      this.finish(this.at(0));
      this.pop();
    }
    const p = this.queue[(this.head + this.size) % MAX_PENDING] as Passage;
    p.set(tOnMs);
    this.size++;
  }

  /** Matches the oldest waiting lead-loop passage whose travel time is plausible. */
  private trailArrives(tOnMs: number): void {
    this.owedMs = this.owed ? tOnMs : Number.NaN;
    this.owed = false;
    for (let i = 0; i < this.size; i++) {
      const p = this.at(i);
      if (!Number.isNaN(p.tB) || p.unpaired) continue;
      const travel = tOnMs - p.tA;
      if (travel > this.maxTravelMs || travel > this.longestTravelMs(p)) {
        p.unpaired = true;
        continue;
      }
      if (travel >= this.minTravelMs) {
        p.tB = tOnMs;
        this.drain();
        return;
      }
    }
    this.drain();
  }

  /** Completes passages in order: a later one never overtakes an earlier one in the queue. */
  private drain(): void {
    while (this.size > 0 && this.at(0).complete) {
      this.finish(this.at(0));
      this.pop();
    }
  }

  private finish(p: Passage): void {
    const { spacingM, loopLengthM, meanLengthM, classEdgesM } = this.options;
    let speedMps = Number.NaN;
    let lengthM = Number.NaN;
    let estimate: number;
    if (!p.unpaired && !Number.isNaN(p.tB) && p.tB > p.tA && p.peakShift >= FAINT * this.options.sensitivity) {
      speedMps = (spacingM * 1000) / this.travelMs(p);
      const onMs = Number.isNaN(p.onB) ? p.onA : (p.onA + p.onB) / 2;
      lengthM = vehicleLengthM(speedMps, onMs, loopLengthM);
      estimate = lengthM;
      this.recentMps = Number.isNaN(this.recentMps) ? speedMps : this.recentMps + (speedMps - this.recentMps) * RECENT_WEIGHT;
    } else {
      estimate = Number.isNaN(this.recentMps) || Number.isNaN(p.onA) ? meanLengthM : vehicleLengthM(this.recentMps, p.onA, loopLengthM);
    }
    this.aggregator.vehicle(p.tA, speedMps, lengthM, vehicleClass(estimate, p.peakShift, classEdgesM));
  }

  /**
   * Travel time between the loops: centroid to centroid for a steady crossing (on-times that agree,
   * a length that fits the speed), else leading edge to leading edge (no centroids, a stop on one
   * loop, or a stand across both: the centroids then say when it stood, not when it passed).
   */
  private travelMs(p: Passage): number {
    const edges = p.tB - p.tA;
    const centroids = p.centroidB - p.centroidA;
    const steady = sameVehicle(p.onA, p.onB, ON_TIMES) && this.kinematics.fits(edges, p.onB, p.peakShift);
    return centroids > 0 && steady ? centroids : edges;
  }

  /** the longest plausible travel time for the passage, once its lead-loop on-time is known */
  private longestTravelMs(p: Passage): number {
    if (Number.isNaN(p.onA)) return Number.POSITIVE_INFINITY;
    const { spacingM, loopLengthM } = this.options;
    return (ON_TIME_MARGIN * spacingM * p.onA) / (SHORTEST_VEHICLE_M + loopLengthM);
  }

  private at(i: number): Passage {
    return this.queue[(this.head + i) % MAX_PENDING] as Passage;
  }

  private pop(): void {
    this.head = (this.head + 1) % MAX_PENDING;
    this.size--;
  }

  private indexOf(p: Passage): number {
    let i = 0;
    while (this.at(i) !== p) i++;
    return i;
  }

  private find(match: (p: Passage) => boolean): Passage | undefined {
    for (let i = 0; i < this.size; i++) {
      const p = this.at(i);
      if (match(p)) return p;
    }
    return undefined;
  }
}
