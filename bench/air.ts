// Air efficiency per role, from the frames each role's unit really sent on XS (bench/firmware-
// cost.ts): bytes per report against the same content as JSON and as Cayenne LPP inside LoRaWAN,
// LoRa time on air at SF7/SF10/SF12 (125 kHz, shared/airtime.ts), and how many such reports a
// unit may send per hour within a 1 % duty cycle.
//
// Cayenne LPP (myDevicesIoT/CayenneLPP, README "Data Types"): each value is channel (1 byte),
// type (1 byte) and data; Digital Input carries 1 unsigned byte, Analog Input 2 bytes signed in
// 0.01 steps, so a whole number fits when it lies within -32768..32767 (as hundredths) and nothing
// wider fits at 1-unit resolution. LPP has no arrays (each item takes a channel of its own) and no
// device id, counter or time of its own: LoRaWAN's frame carries the device address and frame
// counter, at 13 bytes at least (LoRaWAN 1.0.3 §4: MHDR 1, DevAddr 4, FCtrl 1, FCnt 2, FPort 1,
// MIC 4). The boot count and the unit's own time have no place in it.
import { decode } from "../shared/cbor.js";
import { dutyCycleWaitMs, loraAirtimeMs } from "../shared/airtime.js";
import { MIC_BYTES, openEnvelope, parseEnvelope, splitFrame } from "../shared/envelope.js";
import { MAX_AIR_FRAME, type FieldSpec } from "../shared/messages.js";
import { BODY_SPECS } from "../shared/roles/catalog.js";

export const SPREADING_FACTORS = [7, 10, 12] as const;
const DUTY_CYCLE = 0.01;
const LORAWAN_OVERHEAD = 13;
const LPP_ITEM_HEADER = 2;

export interface AirFigures {
  role: string;
  type: string;
  /** frames of this type the unit sent in the benched hours */
  frames: number;
  /** the envelope frame as the unit sent it (header, CBOR body, MIC): mean and largest */
  meanBytes: number;
  maxBytes: number;
  /** the same fields by their names in compact JSON, the MIC as 8 hex digits */
  jsonBytes: number;
  /** Cayenne LPP of the fields it can carry, inside a minimal LoRaWAN frame */
  lppBytes: number;
  /** fields LPP cannot carry at their resolution (the header's boot and time always) */
  lppCannot: string[];
  /** time on air of the largest frame, ms, and reports per hour within 1 % duty cycle, by SF */
  airtimeMs: Record<string, number>;
  reportsPerHour: Record<string, number>;
  /** whether the largest frame fits the 51-byte payload the protocol budgets for (AS923 DR2) */
  fitsBudget: boolean;
}

/** LPP data bytes of one value, or undefined when no LPP type carries its range at 1-unit steps. */
function lppDataBytes(spec: FieldSpec): number | undefined {
  if (spec.min >= 0 && spec.max <= 0xff) return 1; // Digital Input
  if (spec.min >= -32768 && spec.max <= 32767) return 2; // Analog Input, as hundredths
  return undefined;
}

function lpp(type: string, body: Record<string, unknown>): { bytes: number; cannot: string[] } {
  const specs = BODY_SPECS[type]!;
  let bytes = LORAWAN_OVERHEAD;
  const cannot = ["boot", "timeS"];
  for (const [name, value] of Object.entries(body)) {
    const data = lppDataBytes(specs[name]!);
    if (data === undefined) {
      cannot.push(name);
      continue;
    }
    bytes += (Array.isArray(value) ? value.length : 1) * (LPP_ITEM_HEADER + data);
  }
  return { bytes, cannot };
}

const mean = (xs: number[]): number => Number((xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(1));

/** Figures per role and message type, from frames as the units sent them. */
export function airEfficiency(framesByRole: Record<string, Uint8Array[]>): AirFigures[] {
  const rows: AirFigures[] = [];
  for (const [role, frames] of Object.entries(framesByRole)) {
    const byType = new Map<string, { sizes: number[]; json: number[]; lpp: number[]; cannot: Set<string> }>();
    for (const frame of frames) {
      const env = openEnvelope(parseEnvelope(decode(splitFrame(frame).signed)));
      const entry = byType.get(env.type) ?? { sizes: [], json: [], lpp: [], cannot: new Set<string>() };
      const { type, deviceId, boot, seq, timeS, body } = env;
      entry.sizes.push(frame.length);
      entry.json.push(JSON.stringify({ deviceId, boot, seq, type, timeS, ...body, mic: "0".repeat(2 * MIC_BYTES) }).length);
      const l = lpp(type, body as unknown as Record<string, unknown>);
      entry.lpp.push(l.bytes);
      for (const c of l.cannot) entry.cannot.add(c);
      byType.set(type, entry);
    }
    for (const [type, e] of byType) {
      const maxBytes = Math.max(...e.sizes);
      const airtimeMs: Record<string, number> = {};
      const reportsPerHour: Record<string, number> = {};
      for (const sf of SPREADING_FACTORS) {
        const ms = loraAirtimeMs({ payloadBytes: maxBytes, spreadingFactor: sf });
        airtimeMs[`SF${sf}`] = Number(ms.toFixed(1));
        reportsPerHour[`SF${sf}`] = Math.floor(3_600_000 / (ms + dutyCycleWaitMs(ms, DUTY_CYCLE)));
      }
      rows.push({
        role, type, frames: e.sizes.length, meanBytes: mean(e.sizes), maxBytes, jsonBytes: mean(e.json), lppBytes: mean(e.lpp),
        lppCannot: [...e.cannot], airtimeMs, reportsPerHour, fitsBudget: maxBytes <= MAX_AIR_FRAME,
      });
    }
  }
  return rows;
}
