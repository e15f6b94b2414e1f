// The settings every unit's core reads, whatever its role. Role settings live beside them in the
// same provisioned map and are declared by each role's descriptor (shared/roles/).

import type { CommandOpSpec } from "./roles/descriptor.js";
import type { ChoiceSetting, IntSetting } from "./settings.js";

type CoreSetting = IntSetting | ChoiceSetting;

/** Command ops for settings any unit has; roles add their own (RoleDescriptor.commandOps). */
export const CORE_COMMAND_OPS = {
  setIntervals: { doc: "Reporting intervals, s" },
} as const satisfies Record<string, CommandOpSpec>;

export const CORE_SETTINGS = {
  /** how the unit reaches the gateway: the host serial port or LoRa through a bridge */
  link: { type: "choice", default: "serial", choices: ["serial", "lora"], restart: true },
  /** host UART speed (console and serial link), 8N1 */
  baud: { type: "int", default: 115200, min: 9600, max: 921600, restart: true },
  statusS: {
    type: "int", default: 300, min: 30, max: 86400, unit: "s", doc: "status frame period",
    command: { key: 4, op: "setIntervals" },
  },
  /** how long a serial uplink waits for its ack */
  ackMs: { type: "int", default: 2000, min: 100, max: 60000 },
  /** first resend delay after a missed ack; it doubles per miss up to retryMaxS */
  retryMs: { type: "int", default: 2000, min: 100, max: 600000 },
  retryMaxS: { type: "int", default: 300, min: 1, max: 3600 },
  /** uplink queue memory budget in bytes of encoded frames */
  queueBytes: { type: "int", default: 16384, min: 1024, max: 65536, restart: true },
  /** LoRa: how long the receiver listens for an ack after each uplink */
  rxWindowMs: { type: "int", default: 3000, min: 200, max: 30000 },
  /** LoRa: transmit duty-cycle budget in basis points (100 = 1 %) over a sliding hour */
  dutyBp: { type: "int", default: 100, min: 1, max: 10000, restart: true },
  /** LoRa radio: spreading factor, bandwidth, carrier, power, sync word (see hardware/radio-plan.md) */
  sf: { type: "int", default: 10, min: 7, max: 12, restart: true },
  bwHz: { type: "int", default: 125000, min: 125000, max: 500000, restart: true },
  freqKhz: { type: "int", default: 922000, min: 920000, max: 923000, restart: true },
  txDbm: { type: "int", default: 14, min: 2, max: 20, restart: true },
  /** below this supply voltage the status frame carries Fault.lowBattery */
  lowBattMv: { type: "int", default: 3400, min: 0, max: 60000 },
} as const satisfies Record<string, CoreSetting>;

export type CoreSettingName = keyof typeof CORE_SETTINGS;
