// The sign role on the gateway: statistics and histograms become the `speed` topic.

import { sign } from "../../../shared/roles/sign.js";
import type { GatewayRole } from "../plugin.js";
import { signPage } from "./page.js";
import { normalizeSignHistogram, normalizeSignStats } from "./normalize.js";
import speed from "./speed.schema.json" with { type: "json" };

declare module "../../registry/registry.js" {
  interface RoleSections {
    sign?: { speedLimitKmh: number };
  }
}

export const signGateway: GatewayRole = {
  role: sign,
  // a radar that counts and times vehicles, and a display that shows drivers their speed
  fiware: { controlledProperty: ["speed", "trafficFlow"], deviceCategory: ["sensor", "actuator"], alertCategory: "traffic" },
  normalizers: { signStats: normalizeSignStats, signHistogram: normalizeSignHistogram },
  outputs: { speed },
  page: signPage,
  registry: {
    properties: {
      sign: {
        type: "object",
        required: ["speedLimitKmh"],
        additionalProperties: false,
        properties: {
          speedLimitKmh: { type: "integer", minimum: sign.settings.limitKmh.min, maximum: sign.settings.limitKmh.max },
        },
      },
    },
  },
};
