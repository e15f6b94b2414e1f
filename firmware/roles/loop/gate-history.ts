// The detector's memory of recent gates, numbered from the last clear: each gate's counts above
// the baseline, its expected counts, its length and end time, and the window sum ending at it.
// A fixed ring of typed arrays, so that a gate costs no allocation.

export class GateHistory {
  private readonly excess: Float64Array;
  private readonly expected: Float64Array;
  private readonly spans: Float64Array;
  private readonly ends: Float64Array;
  private readonly sums: Float64Array;
  /** gates pushed since the last clear; the newest is count − 1 */
  count = 0;
  // totals of the last window(), written there to spare an object per gate
  windowExcess = 0;
  windowExpected = 0;
  windowSpan = 0;

  constructor(readonly size: number) {
    this.excess = new Float64Array(size);
    this.expected = new Float64Array(size);
    this.spans = new Float64Array(size);
    this.ends = new Float64Array(size);
    this.sums = new Float64Array(size);
  }

  clear(): void {
    this.count = 0;
  }

  /** the oldest gate still held */
  get first(): number {
    return Math.max(0, this.count - this.size);
  }

  push(excess: number, expected: number, spanMs: number, endMs: number): number {
    const gate = this.count++;
    const i = gate % this.size;
    this.excess[i] = excess;
    this.expected[i] = expected;
    this.spans[i] = spanMs;
    this.ends[i] = endMs;
    this.sums[i] = Number.NaN;
    return gate;
  }

  /** Totals over the n gates ending at gate (into windowExcess, windowExpected, windowSpan). */
  window(gate: number, n: number): void {
    let excess = 0, expected = 0, span = 0;
    for (let g = gate - n + 1; g <= gate; g++) {
      const i = g % this.size;
      excess += this.excess[i] as number;
      expected += this.expected[i] as number;
      span += this.spans[i] as number;
    }
    this.windowExcess = excess;
    this.windowExpected = expected;
    this.windowSpan = span;
    this.sums[gate % this.size] = excess;
  }

  excessOf(gate: number): number {
    return this.excess[gate % this.size] as number;
  }

  endOf(gate: number): number {
    return this.ends[gate % this.size] as number;
  }

  startOf(gate: number): number {
    const i = gate % this.size;
    return (this.ends[i] as number) - (this.spans[i] as number);
  }

  /** the window sum ending at gate, NaN before the window first filled */
  sumOf(gate: number): number {
    return this.sums[gate % this.size] as number;
  }
}
