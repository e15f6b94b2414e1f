// The loop role on the gateway: loop intervals become TrafficFlowObserved on the `traffic` topic.

import { loop } from "../../../shared/roles/loop.js";
import type { GatewayRole } from "../plugin.js";
import { loopPage } from "./page.js";
import { normalizeLoopInterval } from "./normalize.js";
import traffic from "./traffic.schema.json" with { type: "json" };

export interface LaneInfo {
  lane: number;
  direction?: "forward" | "backward";
}

declare module "../../registry/registry.js" {
  interface RoleSections {
    /** what each lane's travel direction is, against the unit's `direction` */
    lanes?: LaneInfo[];
  }
}

export const loopGateway: GatewayRole = {
  role: loop,
  fiware: { controlledProperty: ["trafficFlow", "occupancy", "speed"], deviceCategory: ["sensor"], alertCategory: "traffic" },
  normalizers: { loopInterval: normalizeLoopInterval },
  outputs: { traffic },
  page: loopPage,
  registry: {
    properties: {
      lanes: {
        type: "array",
        items: {
          type: "object",
          required: ["lane"],
          additionalProperties: false,
          properties: {
            lane: { type: "integer", minimum: 0, maximum: loop.messages.loopInterval.fields.lane.max },
            direction: { enum: ["forward", "backward"] },
          },
        },
      },
    },
  },
};
