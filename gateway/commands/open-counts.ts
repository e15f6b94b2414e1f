/**
 * How many open commands each device has, kept in memory so that the ack path asks the store
 * for a device's next command only when one waits (most uplinks find none). Seeded from the
 * store at start; the owner counts every enqueue and every settle (answer or expiry).
 */
export class OpenCounts {
  private readonly counts = new Map<number, number>();

  constructor(seed: Iterable<{ deviceId: number; open: number }> = []) {
    for (const { deviceId, open } of seed) if (open > 0) this.counts.set(deviceId, open);
  }

  has(deviceId: number): boolean {
    return this.counts.has(deviceId);
  }

  opened(deviceId: number): void {
    this.counts.set(deviceId, (this.counts.get(deviceId) ?? 0) + 1);
  }

  settled(deviceId: number): void {
    const left = (this.counts.get(deviceId) ?? 0) - 1;
    if (left > 0) this.counts.set(deviceId, left);
    else this.counts.delete(deviceId);
  }
}
