// What a vehicle can do between a speed trap's loops, to tell which trail-loop detection is
// whose in a queue: how long it can be for its peak, how hard it can brake and accelerate.
// Figures are bounds, not typical values: a pairing they refuse is impossible, not unlikely.

import { TWO_WHEELER_SHIFT, vehicleLengthM } from "./classify.js";

/** the shortest vehicle (a small motorcycle), and the shortest one that reaches TWO_WHEELER_SHIFT (a small car) */
export const SHORTEST_VEHICLE_M = 1.5;
const SHORTEST_CAR_M = 3;
/** how far below the shortest a measured length may fall (the speed's and on-time's errors) */
const LENGTH_TOLERANCE_M = 1;
/**
 * the longest a detection of two-wheelers can be (two abreast or close behind each other, as a
 * loop merges them), and of any vehicle (a road train)
 */
const LONGEST_TWO_WHEELERS_M = 5;
const LONGEST_VEHICLE_M = 25;
/** the hardest a car accelerates, m/s² (0–100 km/h in 7 s); a two-wheeler may do more */
const HARD_ACCELERATION = 4;
/** the firmest braking, m/s² (about 0.8 g on dry asphalt) */
const HARD_BRAKING = 8;

export class TrapKinematics {
  constructor(private readonly spacingM: number, private readonly loopLengthM: number) {}

  /**
   * Whether a vehicle of this peak, on the trail loop for onMs after covering the spacing in
   * travelMs, has a length it can have at that speed (a two-wheeler halted between the loops
   * measures short; a car cannot halt there).
   */
  fits(travelMs: number, onMs: number, peakShift: number): boolean {
    const length = vehicleLengthM((this.spacingM * 1000) / travelMs, onMs, this.loopLengthM);
    const twoWheeler = peakShift < TWO_WHEELER_SHIFT;
    if (length > (twoWheeler ? LONGEST_TWO_WHEELERS_M : LONGEST_VEHICLE_M)) return false;
    return twoWheeler || length >= SHORTEST_CAR_M - LENGTH_TOLERANCE_M;
  }

  /**
   * Whether a car can cross the trail loop in onMs after covering the spacing in travelMs: no
   * faster than it can have accelerated to from the speed it had at the lead loop (from rest, at
   * worst). A two-wheeler is not held to it.
   */
  reachable(travelMs: number, onMs: number, peakShift: number): boolean {
    if (peakShift < TWO_WHEELER_SHIFT) return true;
    const atTrail = ((SHORTEST_CAR_M + this.loopLengthM) * 1000) / onMs;
    const atLead = Math.max(0, (2000 * this.spacingM) / travelMs - atTrail);
    return atTrail * atTrail - atLead * atLead <= 2 * HARD_ACCELERATION * this.spacingM;
  }

  /**
   * Whether a vehicle that crossed the lead loop in onAMs can have reached the trail loop travelMs
   * after it (leading edges): it crossed at no more than (its longest length + L_loop) / t_on,
   * and gained speed no faster than its tyres grip (as they brake). A trail detection that began
   * sooner is another vehicle's, though it may have merged with this one's (a two-wheeler moving
   * off the trail loop just as the next arrives).
   */
  catchable(travelMs: number, onAMs: number, peakShift: number): boolean {
    const longest = peakShift < TWO_WHEELER_SHIFT ? LONGEST_TWO_WHEELERS_M : LONGEST_VEHICLE_M;
    const crossing = ((longest + this.loopLengthM) * 1000) / onAMs;
    const s = travelMs / 1000;
    return crossing * s + (HARD_BRAKING * s * s) / 2 >= this.spacingM;
  }

  /**
   * Whether a vehicle that crossed the lead loop in onAMs can have halted before the trail loop:
   * it crossed at no less than (its shortest length + L_loop) / t_on, and must stop within the
   * spacing.
   */
  haltable(onAMs: number, peakShift: number): boolean {
    const shortest = peakShift < TWO_WHEELER_SHIFT ? SHORTEST_VEHICLE_M : SHORTEST_CAR_M;
    const crossing = ((shortest + this.loopLengthM) * 1000) / onAMs;
    return crossing * crossing <= 2 * HARD_BRAKING * this.spacingM;
  }
}
