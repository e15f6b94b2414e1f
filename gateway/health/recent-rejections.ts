import type { Rejection } from "../pipeline/pipeline.js";

export interface RejectedFrame {
  /** ISO time the gateway refused it */
  at: string;
  reason: Rejection["reason"];
  /** the link it came in on */
  source: string;
}

/** Frames kept per unit: enough to see a pattern on the unit's page, bounded for a large fleet. */
const KEPT = 50;

/**
 * The latest refused frames of each unit, by reason, for the unit's page. Only authentic frames
 * (their MIC held) are attributed to a unit: anyone can forge a frame claiming one. Kept in
 * memory: a restart starts them afresh, as the health counters do.
 */
export class RecentRejections {
  private readonly byDevice = new Map<number, RejectedFrame[]>();
  private readonly totals = new Map<number, Map<string, number>>();

  add(r: Rejection, now = Date.now()): void {
    if (r.deviceId === undefined) return;
    const list = this.byDevice.get(r.deviceId) ?? [];
    list.push({ at: new Date(now).toISOString(), reason: r.reason, source: r.source });
    if (list.length > KEPT) list.shift();
    this.byDevice.set(r.deviceId, list);
    const totals = this.totals.get(r.deviceId) ?? new Map<string, number>();
    totals.set(r.reason, (totals.get(r.reason) ?? 0) + 1);
    this.totals.set(r.deviceId, totals);
  }

  /** Counts by reason since the gateway started, and the latest frames, newest first. */
  of(deviceId: number): { byReason: Record<string, number>; recent: RejectedFrame[] } {
    return {
      byReason: Object.fromEntries(this.totals.get(deviceId) ?? []),
      recent: [...(this.byDevice.get(deviceId) ?? [])].reverse(),
    };
  }
}
