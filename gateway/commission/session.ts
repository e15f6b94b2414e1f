// What a commissioning has seen of one unit so far, from its port or from the gateway's MQTT, and
// the figures the live view and the report show: frames per minute, radio, clock, battery, the
// latest readings and the checks (./checks.ts).

import type { DeviceEntry } from "../registry/registry.js";
import { commissionChecks, type CheckResult, type UnitObservations } from "./checks.js";

type Payload = Record<string, unknown>;

export interface Heard {
  kind: string;
  payload: Payload;
  at: number;
}

const READINGS_KEPT = 50;

export class CommissionSession {
  readonly startedAt = Date.now();
  status: Payload | undefined;
  readonly heard: Heard[] = [];
  settings: Record<string, string | number | boolean> | undefined;
  relayed: Map<number, { frames: number; rssiDbm: number; snrDb: number }> | undefined;
  /** the bridge's transmit budget that acks for what it hears would use, 0..1 */
  dutyUsed: number | undefined;
  /** on its port, the unit's own word (self-test) on whether the gateway has set its clock */
  clockSynced: boolean | undefined;
  displayTest: UnitObservations["displayTest"];
  private readonly frameTimes: number[] = [];

  constructor(readonly entry: Omit<DeviceEntry, "key">, readonly via: string) {}

  /** A normalized message of this unit. */
  add(kind: string, payload: Payload, at = Date.now()): void {
    this.frameTimes.push(at);
    if (kind === "status") this.status = payload;
    else {
      this.heard.push({ kind, payload, at });
      if (this.heard.length > READINGS_KEPT) this.heard.shift();
    }
  }

  /** over the last minute; in the first half minute over 30 s, so the backlog a unit sends at once does not read as a rate */
  framesPerMinute(now = Date.now()): number {
    const since = now - 60_000;
    const span = Math.max(30_000, Math.min(60_000, now - this.startedAt)) / 60_000;
    return Math.round((this.frameTimes.filter((t) => t >= since).length / span) * 10) / 10;
  }

  observations(): UnitObservations {
    return {
      entry: this.entry,
      ...(this.status ? { status: this.status } : {}),
      readings: this.heard.map((h) => h.payload),
      ...(this.settings ? { settings: this.settings } : {}),
      ...(this.relayed ? { relayed: this.relayed } : {}),
      ...(this.dutyUsed !== undefined ? { dutyUsed: this.dutyUsed } : {}),
      ...(this.clockSynced !== undefined ? { clockSynced: this.clockSynced } : {}),
      ...(this.displayTest !== undefined ? { displayTest: this.displayTest } : {}),
    };
  }

  checks(): CheckResult[] {
    return commissionChecks(this.observations());
  }

  /** At the end, a check still waiting has waited too long: it fails, saying what never came. */
  finalChecks(): CheckResult[] {
    return this.checks().map((c) => (c.waiting ? { check: c.check, pass: false, reason: `${c.reason} after ${Math.round((Date.now() - this.startedAt) / 1000)} s` } : c));
  }
}
