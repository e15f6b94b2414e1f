// Crosstalk between a station's loops. Adjacent loops run at different frequencies so that they
// do not couple, and settings below about 0.04 % ΔL/L are risky because of adjacent-lane
// crosstalk (DOMAIN.md): a loop may go finer only when every other loop lies far enough away in
// frequency, otherwise it is held at 0.04 %.

/** the finest sensitivity (ΔL/L) crosstalk leaves safe whatever the tuning */
export const CROSSTALK_SAFE = 0.0004;
/** how far apart in frequency (relative) loops must lie to go finer (unconfirmed: a design margin) */
export const MIN_SEPARATION = 0.05;

export interface Hold {
  sensitivity: number;
  /** the nearest loop in frequency, and how far it is (relative) */
  neighbour: number;
  separation: number;
}

/** Whether loop index must be held coarser, given every loop's resting frequency (Hz, 0 = untuned). */
export function crosstalkHold(hz: readonly number[], index: number): Hold | undefined {
  const own = hz[index] as number;
  let neighbour = -1;
  let separation = Number.POSITIVE_INFINITY;
  for (let i = 0; i < hz.length; i++) {
    const other = hz[i] as number;
    if (i === index || !(other > 0)) continue;
    const apart = Math.abs(other - own) / Math.min(other, own);
    if (apart < separation) [neighbour, separation] = [i, apart];
  }
  return separation < MIN_SEPARATION ? { sensitivity: CROSSTALK_SAFE, neighbour, separation } : undefined;
}
