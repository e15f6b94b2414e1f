// Per-interval speed statistics in fixed memory, however busy the road: a 1 km/h histogram
// gives the exact 85th percentile at the resolution the wire carries (whole km/h), and a
// 5 km/h histogram is what the data users asked for. Speeds arrive in tenths of km/h.

import type { SignHistogramBody, SignStatsBody } from "../../../shared/roles/sign.js";

export const BIN_WIDTH_KMH = 5;
/** 5 km/h bins 0..60 (the wire's firstBin range); the last also holds everything faster */
const COARSE_BINS = 61;
/** 1 km/h bins up to 300 km/h, the wire's ceiling */
const FINE_BINS = 301;
const U16 = 0xffff;
/** a frame carries at most this many bins (signHistogram.counts maxItems) */
export const MAX_BINS_PER_FRAME = 16;

export class SpeedStats {
  private readonly fine = new Uint16Array(FINE_BINS);
  private readonly coarse = new Uint16Array(COARSE_BINS);
  private count = 0;
  private sumDkmh = 0;
  private maxDkmh = 0;
  private overLimit = 0;

  /** one vehicle; `overLimit` is decided by the caller against the limit of the moment */
  add(speedDkmh: number, overLimit: boolean): void {
    if (this.count === U16) return;
    const dkmh = Math.max(0, Math.min(speedDkmh, (FINE_BINS - 1) * 10));
    this.count++;
    this.sumDkmh += dkmh;
    if (dkmh > this.maxDkmh) this.maxDkmh = dkmh;
    if (overLimit) this.overLimit++;
    bump(this.fine, Math.round(dkmh / 10));
    bump(this.coarse, Math.min(COARSE_BINS - 1, Math.floor(dkmh / (BIN_WIDTH_KMH * 10))));
  }

  get vehicles(): number {
    return this.count;
  }

  summary(intervalS: number, limitKmh: number): SignStatsBody {
    const body: SignStatsBody = { intervalS, count: this.count, overLimit: this.overLimit, limitKmh };
    if (this.count > 0) {
      body.meanSpeedDkmh = Math.round(this.sumDkmh / this.count);
      body.p85Kmh = this.percentileKmh(85);
      body.maxKmh = Math.round(this.maxDkmh / 10);
    }
    return body;
  }

  /** nearest-rank percentile: the smallest speed at or below which p % of vehicles drove */
  percentileKmh(p: number): number {
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let kmh = 0; kmh < FINE_BINS; kmh++) {
      seen += this.fine[kmh] as number;
      if (seen >= rank) return kmh;
    }
    return FINE_BINS - 1;
  }

  /**
   * The 5 km/h histogram trimmed to its non-empty range, cut into frames: each frame takes
   * bins while `fits` accepts it (the caller measures the encoded frame) and at most 16.
   */
  histogram(intervalS: number, fits: (body: SignHistogramBody) => boolean): SignHistogramBody[] {
    let first = 0;
    while (first < COARSE_BINS && this.coarse[first] === 0) first++;
    let last = COARSE_BINS - 1;
    while (last >= first && this.coarse[last] === 0) last--;
    const frames: SignHistogramBody[] = [];
    for (let bin = first; bin <= last;) {
      const body: SignHistogramBody = { intervalS, binWidthKmh: BIN_WIDTH_KMH, firstBin: bin, counts: [this.coarse[bin] as number] };
      bin++;
      while (bin <= last && body.counts.length < MAX_BINS_PER_FRAME) {
        body.counts.push(this.coarse[bin] as number);
        if (!fits(body)) {
          body.counts.pop();
          break;
        }
        bin++;
      }
      frames.push(body);
    }
    return frames;
  }

  reset(): void {
    this.fine.fill(0);
    this.coarse.fill(0);
    this.count = 0;
    this.sumDkmh = 0;
    this.maxDkmh = 0;
    this.overLimit = 0;
  }
}

function bump(bins: Uint16Array, index: number): void {
  const n = bins[index] as number;
  if (n < U16) bins[index] = n + 1;
}
