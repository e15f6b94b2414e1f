// The torture's fleet and what its units say: registry entries of every role that reports, and
// random but legal bodies drawn from each message's own spec in the role descriptors, so a new
// role or field is tortured without anyone editing this file.
import type { FieldSpec } from "../../shared/messages.js";
import { allRoles, BODY_SPECS } from "../../shared/roles/catalog.js";
import type { DeviceEntry } from "../../gateway/registry/registry.js";

export const int = (rnd: () => number, min: number, max: number): number => min + Math.floor(rnd() * (max - min + 1));

/** Roles whose units send reports of their own (a bridge only relays). */
export function reportingRoles(): { name: string; messages: string[] }[] {
  return allRoles()
    .map((r) => ({ name: r.name, messages: Object.keys(r.messages) }))
    .filter((r) => r.messages.length > 0);
}

// What the registry needs of a unit of each built-in role (the role's registry section).
const SECTIONS: Record<string, Record<string, unknown>> = {
  loop: { lanes: [{ lane: 0 }, { lane: 1 }] },
  sign: { sign: { speedLimitKmh: 40 } },
  flood: { flood: { referenceLevelM: 4.2, alertLevelM: 1.5, dangerLevelM: 2.5 } },
};

/** `count` units, roles in turn, ids from `firstId`, each with its own key. */
export function fleet(count: number, firstId: number, roles = reportingRoles().map((r) => r.name)): DeviceEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    id: firstId + i,
    role: roles[i % roles.length]!,
    key: ((i * 2654435761) >>> 0).toString(16).padStart(8, "0").repeat(4),
    site: "torture",
    name: `torture unit ${i}`,
    location: { lat: -6.98, lon: 110.41 },
    ...SECTIONS[roles[i % roles.length]!],
  }));
}

/** A legal body for `type`: every required field, optional ones at random, values within range. */
export function legalBody(type: string, rnd: () => number): Record<string, number | number[]> {
  const specs = BODY_SPECS[type] as Record<string, FieldSpec>;
  const body: Record<string, number | number[]> = {};
  for (const name of Object.keys(specs)) {
    const spec = specs[name]!;
    if (spec.optional && rnd() < 0.3) continue;
    body[name] = spec.maxItems === undefined
      ? int(rnd, spec.min, spec.max)
      : Array.from({ length: int(rnd, 1, spec.maxItems) }, () => int(rnd, spec.min, spec.max));
  }
  return body;
}
