// Vehicle length from speed and on-time, and its length class (bins bounded by configured edges).

/**
 * A two-wheeler changes L by 1–2 % of a car's change (DOMAIN.md): a vehicle that never reaches
 * this ΔL/L is one. Its signal is a few counts above the noise, so its measured length is too
 * rough to bin; it goes to the first (motorcycle) class unless it measured as long as a medium
 * vehicle. Cars reach several percent, high-bed trucks one or two.
 */
export const TWO_WHEELER_SHIFT = 0.005;

/** L = v · t_on − L_loop (the loop's effective length along the lane); never negative. */
export function vehicleLengthM(speedMps: number, onTimeMs: number, loopLengthM: number): number {
  return Math.max(0, (speedMps * onTimeMs) / 1000 - loopLengthM);
}

/** Index of the bin: 0 below the first edge, edges.length at or above the last. */
export function lengthClass(lengthM: number, edgesM: readonly number[]): number {
  let bin = 0;
  while (bin < edgesM.length && lengthM >= (edgesM[bin] as number)) bin++;
  return bin;
}

/** The class of a vehicle from its length and its largest ΔL/L. */
export function vehicleClass(lengthM: number, peakShift: number, edgesM: readonly number[]): number {
  const bin = lengthClass(lengthM, edgesM);
  return peakShift < TWO_WHEELER_SHIFT && bin <= 1 ? 0 : bin;
}
