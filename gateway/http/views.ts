import type { HealthSnapshot } from "../health/device-health.js";
import type { Device } from "../registry/registry.js";
import { roleSections } from "../roles/index.js";
import type { StoredCommand, StoredReading } from "../store/store.js";
import { geoPoint } from "../normalize/common.js";

/** A registry entry for the API: fields listed one by one, so key material can never slip in. */
export function deviceView(d: Device, health: HealthSnapshot | null, firmware: string | null): Record<string, unknown> {
  return {
    id: d.id,
    role: d.role,
    site: d.site,
    name: d.name,
    location: geoPoint(d.location),
    road: d.road,
    direction: d.direction,
    reportIntervalS: d.reportIntervalS,
    ...roleSections(d),
    health,
    firmware,
  };
}

export function readingView(r: StoredReading): Record<string, unknown> {
  return {
    boot: r.boot,
    seq: r.seq,
    type: r.type,
    kind: r.kind,
    topic: r.topic,
    alarm: r.alarm,
    observedAt: new Date(r.observedAt).toISOString(),
    receivedAt: new Date(r.receivedAt).toISOString(),
    payload: JSON.parse(r.payload) as unknown,
  };
}

export function commandView(c: StoredCommand): Record<string, unknown> {
  return {
    id: c.id,
    deviceId: c.deviceId,
    command: JSON.parse(c.command) as unknown,
    state: c.state,
    detail: c.detail,
    createdAt: new Date(c.createdAt).toISOString(),
    expiresAt: new Date(c.expiresAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}
