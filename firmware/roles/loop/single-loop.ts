// A lane with one loop: volume, occupancy and headway are measured; speed comes from the classic
// single-loop estimate v = (L_mean + L_loop) / t_on with an assumed mean vehicle length, and a
// vehicle's length (for its class) from the lane's recent speed estimate.

import { vehicleClass, vehicleLengthM } from "./classify.js";
import type { IntervalAggregator } from "./interval.js";
import type { Lane } from "./lane.js";

/** vehicles over which the recent mean on-time is taken */
const RECENT = 32;

export interface SingleLoopOptions {
  loopLengthM: number;
  meanLengthM: number;
  classEdgesM: readonly number[];
}

export class SingleLoopLane implements Lane {
  readonly loops: readonly number[];
  private meanOnMs = 0;
  private seen = 0;
  private onSinceMs = Number.NaN;

  constructor(readonly aggregator: IntervalAggregator, loop: number, private readonly options: SingleLoopOptions) {
    this.loops = [loop];
  }

  arrive(_loop: number, tOnMs: number): void {
    this.aggregator.count(tOnMs);
    this.onSinceMs = tOnMs;
  }

  depart(_loop: number, tOnMs: number, tOffMs: number, _centroidMs: number, peakShift: number): void {
    this.onSinceMs = Number.NaN;
    const onMs = tOffMs - tOnMs;
    this.aggregator.occupy(tOnMs, tOffMs);
    this.aggregator.onTime(tOnMs, onMs);
    this.seen++;
    this.meanOnMs += (onMs - this.meanOnMs) / Math.min(this.seen, RECENT);
    const { loopLengthM, meanLengthM, classEdgesM } = this.options;
    const recentMps = this.meanOnMs > 0 ? ((meanLengthM + loopLengthM) * 1000) / this.meanOnMs : Number.NaN;
    const lengthM = Number.isNaN(recentMps) ? meanLengthM : vehicleLengthM(recentMps, onMs, loopLengthM);
    this.aggregator.vehicle(tOnMs, Number.NaN, Number.NaN, vehicleClass(lengthM, peakShift, classEdgesM));
  }

  tick(): void {}

  /** a vehicle still on the loop has no speed to give, and its class comes with its departure */
  closing(): void {}

  waitingBefore(tMs: number): boolean {
    return this.onSinceMs < tMs;
  }
}
