import { allPass, commissionChecks, type CheckResult } from "../commission/checks.js";
import type { Device } from "../registry/registry.js";
import { roleKinds } from "../roles/index.js";
import type { Store } from "../store/store.js";

/** Readings the checks look back over, per kind: a few closed intervals of each. */
const RECENT = 30;

type Payload = Record<string, unknown>;

/**
 * The checks of `pantau commission` (the same module) on what the gateway has stored of a unit:
 * its latest status and recent readings of every kind the roles send, plus its alarms. What only
 * the unit's console tells (its settings, a bridge's relay table) is not known here, so the checks
 * that need it are left out by the module itself.
 */
export function commissionOf(device: Device, store: Pick<Store, "history">): { pass: boolean; checks: CheckResult[] } {
  const recent = (kind: string) => store.history({ deviceId: device.id, kind, order: "desc", limit: RECENT });
  const [status] = recent("status");
  const readings = [...roleKinds(), "alarm"].flatMap(recent)
    .sort((a, b) => a.observedAt - b.observedAt)
    .map((r) => JSON.parse(r.payload) as Payload);
  const checks = commissionChecks({
    entry: device,
    ...(status ? { status: JSON.parse(status.payload) as Payload } : {}),
    readings,
  });
  return { pass: allPass(checks), checks };
}
