// The bridge role on the gateway: it sends only status frames, so it adds nothing to normalize.

import { bridge } from "../../../shared/roles/bridge.js";
import type { GatewayRole } from "../plugin.js";
import { bridgePage } from "./page.js";

export const bridgeGateway: GatewayRole = {
  role: bridge,
  normalizers: {},
  outputs: {},
  page: bridgePage,
  // it relays other units' packets and senses nothing itself
  fiware: { controlledProperty: [], deviceCategory: ["network"], alertCategory: "environment" },
};
