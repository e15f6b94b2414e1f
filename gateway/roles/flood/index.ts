// The flood role on the gateway: reports become FloodMonitoring on the `flood` topic, status
// changes an `alarm` at once. A flood unit's registry entry carries its levels in metres.

import { flood } from "../../../shared/roles/flood.js";
import type { GatewayRole } from "../plugin.js";
import { floodPage } from "./page.js";
import floodSchema from "./flood.schema.json" with { type: "json" };
import { normalizeFloodAlarm, normalizeFloodReport } from "./normalize.js";

export interface FloodSection {
  referenceLevelM: number;
  alertLevelM: number;
  dangerLevelM: number;
}

declare module "../../registry/registry.js" {
  interface RoleSections {
    flood?: FloodSection;
  }
}

const STATUS = { enum: ["normal", "alert", "danger"] };
const STAGE = { enum: ["Siaga 4", "Siaga 3", "Siaga 2", "Siaga 1"] };

export const floodGateway: GatewayRole = {
  role: flood,
  fiware: { controlledProperty: ["waterLevel", "temperature"], deviceCategory: ["sensor"], alertCategory: "naturalDisaster" },
  normalizers: { floodReport: normalizeFloodReport, floodAlarm: normalizeFloodAlarm },
  outputs: { flood: floodSchema },
  page: floodPage,
  alarms: {
    types: ["floodLevelStatus"],
    properties: {
      floodLevelStatus: STATUS,
      previousFloodLevelStatus: STATUS,
      alertStage: STAGE,
      currentLevel: { type: "number", description: "m" },
      thresholdLevel: { type: "number", description: "m" },
      levelRiseRate: { type: "number", description: "m/h" },
    },
  },
  registry: {
    properties: {
      flood: {
        type: "object",
        required: ["referenceLevelM", "alertLevelM", "dangerLevelM"],
        additionalProperties: false,
        properties: {
          referenceLevelM: { type: "number", exclusiveMinimum: 0, maximum: 20 },
          alertLevelM: { type: "number", minimum: 0, maximum: 20 },
          dangerLevelM: { type: "number", minimum: 0, maximum: 20 },
        },
      },
    },
    check(entry) {
      const f = entry.flood;
      if (f && !(f.alertLevelM < f.dangerLevelM)) return "flood.alertLevelM must be below flood.dangerLevelM";
      if (f && f.dangerLevelM > f.referenceLevelM) return "flood.dangerLevelM cannot exceed referenceLevelM (the sensor height)";
      if (entry.role === flood.name && !f) return `a flood device needs a "flood" section`;
      return undefined;
    },
  },
};
