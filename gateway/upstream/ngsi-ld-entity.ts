// A published Pantau message as an NGSI-LD Entity in the normalized representation
// (ETSI GS CIM 009 V1.9.1, clause 5.2.4: Entity; 5.2.5 Property; 5.2.6 Relationship; 5.2.7 GeoProperty).

import { timeAttribute } from "../normalize/common.js";

/** JSON-LD contexts of the Smart Data Models the messages follow, then the NGSI-LD core context. */
export const DEFAULT_CONTEXT: readonly string[] = [
  "https://raw.githubusercontent.com/smart-data-models/dataModel.Transportation/master/context.jsonld",
  "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld",
  "https://raw.githubusercontent.com/smart-data-models/dataModel.Alert/master/context.jsonld",
  "https://raw.githubusercontent.com/smart-data-models/dataModel.Device/master/context.jsonld",
  "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld",
];

/** UN/CEFACT common codes (Recommendation 20) for the attributes that have a unit and a code for it. */
export const UNIT_CODES: Readonly<Record<string, string>> = {
  averageVehicleSpeed: "KMH",
  speedLimit: "KMH",
  speedPercentile85: "KMH",
  maxVehicleSpeed: "KMH",
  binWidth: "KMH",
  averageVehicleLength: "MTR",
  averageHeadwayTime: "SEC",
  currentLevel: "MTR",
  measuredDistance: "MTR",
  referenceLevel: "MTR",
  alertLevel: "MTR",
  dangerLevel: "MTR",
  thresholdLevel: "MTR",
  temperature: "CEL",
  batteryVoltage: "VLT",
  thresholdVoltage: "VLT",
  uptime: "SEC",
  expectedInterval: "SEC",
  silentFor: "SEC",
};

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export type NgsiLdAttribute =
  | { type: "Property"; value: unknown; observedAt?: string; unitCode?: string }
  | { type: "Relationship"; object: string; observedAt?: string }
  | { type: "GeoProperty"; value: unknown; observedAt?: string };

export interface NgsiLdEntity {
  id: string;
  type: string;
  "@context": readonly string[];
  [attribute: string]: NgsiLdAttribute | string | readonly string[];
}

export class EntityError extends Error {}

/**
 * One message in the Smart Data Models' key-value form becomes one NGSI-LD Entity: `location`
 * a GeoProperty, `refX` links and an Alert's `alertSource` Relationships, everything else a Property observed at the message's
 * time, date-times typed as JSON-LD DateTime (clause 4.6.3), nulls left out (a null would delete).
 */
export function toNgsiLdEntity(message: Record<string, unknown>, context: readonly string[] = DEFAULT_CONTEXT): NgsiLdEntity {
  const { id, type } = message;
  if (typeof id !== "string" || !/^[a-z][a-z0-9+.-]*:/i.test(id)) throw new EntityError(`id must be a URI, got ${JSON.stringify(id)}`);
  if (typeof type !== "string" || !type) throw new EntityError(`${id}: type is missing`);
  const time = message[timeAttribute(type)];
  const observedAt = typeof time === "string" && DATE_TIME.test(time) ? time : undefined;
  const entity: NgsiLdEntity = { id, type, "@context": context };
  for (const [name, value] of Object.entries(message)) {
    if (name === "id" || name === "type" || value === null || value === undefined) continue;
    const at = observedAt ? { observedAt } : {};
    if (name === "location") entity[name] = { type: "GeoProperty", value, ...at };
    else if ((/^ref[A-Z]/.test(name) || name === "alertSource") && typeof value === "string") entity[name] = { type: "Relationship", object: value, ...at };
    else {
      const typed = typeof value === "string" && DATE_TIME.test(value) ? { "@type": "DateTime", "@value": value } : value;
      const unitCode = UNIT_CODES[name];
      entity[name] = { type: "Property", value: typed, ...at, ...(unitCode ? { unitCode } : {}) };
    }
  }
  return entity;
}
