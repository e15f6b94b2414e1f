// What the role asks of a lane, whether a two-loop speed trap or a single loop.

import type { IntervalAggregator } from "./interval.js";

export interface Lane {
  readonly aggregator: IntervalAggregator;
  /** loop indexes, upstream first; the first one counts the lane's volume and occupancy */
  readonly loops: readonly number[];
  arrive(loop: number, tOnMs: number): void;
  depart(loop: number, tOnMs: number, tOffMs: number, centroidMs: number, peakShift: number): void;
  /** called every gate, for time-outs */
  tick(nowMs: number): void;
  /** whether a vehicle that arrived before tMs is not complete yet (its class is still unknown) */
  waitingBefore(tMs: number): boolean;
  /** the record of the interval ending at boundaryMs goes out now: what is known of vehicles not complete yet goes in it */
  closing(boundaryMs: number, nowMs: number): void;
}
