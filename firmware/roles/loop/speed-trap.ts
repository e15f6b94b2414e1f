// Two loops a known distance apart (leading edge to leading edge) in one lane: a vehicle's
// speed is v = d / (t₂ − t₁) and its length L = v · t_on − L_loop from the mean on-time of both
// loops. t₂ − t₁ is taken between the centroids of the counts the vehicle added at each loop:
// the same metal passing two equal loops gives the same signature shifted by d/v, and the
// centroid uses every count of it, so the timing does not hang on the gate grid or the threshold
// (leading edges are the fallback). The lead loop counts volume and occupancy, so a vehicle the
// trail loop misses is still counted; its length then comes from the lane's recent speed.

import { vehicleClass, vehicleLengthM } from "./classify.js";
import type { IntervalAggregator } from "./interval.js";
import type { Lane } from "./lane.js";

/** vehicles in flight between the loops (a bounded queue; the oldest is given up when full) */
const MAX_PENDING = 8;
const MAX_SPEED_MPS = 250 / 3.6;
/** a vehicle standing 40 s or more in the trap in a queue still gets its trap speed */
const MIN_SPEED_MPS = 0.05;
/** weight of each new speed in the lane's recent speed, used for vehicles without their own */
const RECENT_WEIGHT = 1 / 16;
/**
 * A vehicle at least this long, whose lead-loop on-time is t_on, moves at least
 * (L + L_loop) / t_on, so it reaches the trail loop within d·t_on / (L + L_loop); with a margin
 * for the on-time's error (edges are placed within a few ms), this tells a vehicle the trail
 * loop missed, or merged with another, from the next one.
 */
const SHORTEST_VEHICLE_M = 1.5;
const ON_TIME_MARGIN = 1.4;
/**
 * A vehicle whose peak stays within this factor of the on threshold crosses it near its flat top,
 * where the noise decides when: its edges, and a trap time from them, say nothing of its speed
 * (it is counted, without a speed).
 */
const FAINT = 1.25;

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
 * on-times at the two loops further apart than this share mean the vehicle stopped on one of them
 * (a queue): its centroids then say when it stood, not when it passed
 */
const ON_TIME_AGREEMENT = 0.25;

/** Travel time between the loops: centroid to centroid, or leading edge to leading edge without them or after a stop. */
function travelMs(p: Passage): number {
  const centroids = p.centroidB - p.centroidA;
  const agree = Math.abs(p.onA - p.onB) <= ON_TIME_AGREEMENT * Math.max(p.onA, p.onB);
  return centroids > 0 && agree ? centroids : p.tB - p.tA;
}

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
  private readonly minTravelMs: number;
  private readonly maxTravelMs: number;

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
      const p = this.find((q) => q.tB === tOnMs);
      if (p && this.strayArrived(p, tOffMs - tOnMs, tOffMs)) {
        p.tB = Number.NaN;
      } else if (p) {
        p.onB = tOffMs - tOnMs;
        p.centroidB = centroidMs;
        p.peakShift = Math.max(p.peakShift, peakShift);
      }
    }
    this.drain();
  }

  /** A lead-loop vehicle that the trail loop has not seen within its longest plausible travel time is unpaired. */
  tick(nowMs: number): void {
    for (let i = 0; i < this.size; i++) {
      const p = this.at(i);
      if (Number.isNaN(p.tB) && !p.unpaired && nowMs - p.tA > Math.min(this.maxTravelMs, this.longestTravelMs(p))) {
        p.unpaired = true;
        this.strayStartMs = p.tA;
        this.strayOnMs = p.onA;
      }
    }
    this.drain();
  }

  /**
   * Whether a trail detection given to p (on-time onMs, ended at nowMs) is rather the arrival of
   * the vehicle given up last: its on-time matches that vehicle's at the lead loop better than
   * p's can (p's is at least the time it has stood there so far). The stray is then done with;
   * it was already counted without a speed.
   */
  private strayArrived(p: Passage, onMs: number, nowMs: number): boolean {
    if (Number.isNaN(this.strayStartMs) || nowMs - this.strayStartMs > this.maxTravelMs) return false;
    const strayOff = Math.abs(this.strayOnMs - onMs);
    const pOnMs = Number.isNaN(p.onA) ? nowMs - p.tA : p.onA;
    const pOff = Number.isNaN(p.onA) ? Math.max(0, pOnMs - onMs) : Math.abs(pOnMs - onMs);
    const stray = strayOff < pOff;
    if (stray) this.strayStartMs = this.strayOnMs = Number.NaN;
    return stray;
  }

  waitingBefore(tMs: number): boolean {
    return this.size > 0 && this.at(0).tA < tMs;
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
        break;
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
      speedMps = (spacingM * 1000) / travelMs(p);
      const onMs = Number.isNaN(p.onB) ? p.onA : (p.onA + p.onB) / 2;
      lengthM = vehicleLengthM(speedMps, onMs, loopLengthM);
      estimate = lengthM;
      this.recentMps = Number.isNaN(this.recentMps) ? speedMps : this.recentMps + (speedMps - this.recentMps) * RECENT_WEIGHT;
    } else {
      estimate = Number.isNaN(this.recentMps) || Number.isNaN(p.onA) ? meanLengthM : vehicleLengthM(this.recentMps, p.onA, loopLengthM);
    }
    this.aggregator.vehicle(p.tA, speedMps, lengthM, vehicleClass(estimate, p.peakShift, classEdgesM));
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

  private find(match: (p: Passage) => boolean): Passage | undefined {
    for (let i = 0; i < this.size; i++) {
      const p = this.at(i);
      if (match(p)) return p;
    }
    return undefined;
  }
}
