// The bridge role: a LoRa radio on the gateway's USB port relaying frames (firmware/roles/bridge/).
// Its duty-cycle budget is the core's dutyBp setting, over dutyWindowS.

import type { RoleDescriptor } from "./descriptor.js";

export const bridge = {
  name: "bridge",
  code: 4,
  messages: {},
  settings: {
    dlQueue: { type: "int", default: 16, min: 1, max: 64, live: true, doc: "held-back downlinks" },
    dlMaxAgeMs: {
      type: "int", default: 2500, min: 100, max: 3_600_000, unit: "ms", live: true,
      doc: "a held downlink older than this is dropped (the device's receive window is 3 s by default)",
    },
    dutyWindowS: { type: "int", default: 3600, min: 60, max: 86400, unit: "s", doc: "the duty-cycle budget's sliding window" },
  },
  // powered over USB by the gateway
  health: { intervalS: 300, battery: null, offlineSeverity: "warning" },
} as const satisfies RoleDescriptor;
