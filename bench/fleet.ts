// The bench's fleet: loop units with the fields a real registry entry has, their keys in a keys
// file, and signed SLIP-framed loopInterval frames from them, as a serial link delivers them.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DeviceEntry } from "../gateway/registry/registry.js";
import { encodeFrame } from "../shared/envelope.js";
import { slipEncode } from "../shared/slip.js";

export const SITE = "smg-pemuda-01";
/** what the subscriber listens to: every unit's traffic readings */
export const READINGS = `pantau/v1/${SITE}/+/traffic`;
const BODY = { lane: 0, intervalS: 60, volume: 23, occupancyPermille: 142, speedKmh: 47, lengthDm: 46, classes: [4, 15, 3, 1], headwayDs: 26 };

export interface Fleet {
  entries: DeviceEntry[];
  keys: Uint8Array[];
  /** the registry (no keys in it) and the keys file (mode 0600), as `pantau gateway` reads them */
  registryFile: string;
  keysFile: string;
}

/** `size` units with ids 1..size (65 535 is the 16-bit maximum), written to `dir`. */
export function writeFleet(dir: string, size: number): Fleet {
  const entries: DeviceEntry[] = Array.from({ length: size }, (_, i) => ({
    id: i + 1, role: "loop", site: SITE, name: `Jl. Pemuda loop ${i + 1}`, road: "Jl. Pemuda", direction: "northbound",
    location: { lat: Number((-6.98 + i / 1e5).toFixed(5)), lon: 110.41 }, lanes: [{ lane: 0, direction: "forward" }],
  }));
  const keys = entries.map((e) => Uint8Array.from({ length: 16 }, (_, b) => (e.id * 31 + b * 7) & 0xff));
  const registryFile = join(dir, "fleet.json");
  const keysFile = join(dir, "keys.json");
  writeFileSync(registryFile, JSON.stringify({ devices: entries }));
  writeFileSync(keysFile, JSON.stringify(Object.fromEntries(entries.map((e, i) => [e.id, Buffer.from(keys[i]!).toString("hex")]))), { mode: 0o600 });
  chmodSync(keysFile, 0o600);
  return { entries, keys, registryFile, keysFile };
}

/**
 * Frames number `from` to `from + count - 1`: frame n comes from unit `n mod devices` with seq
 * `n div devices` (so every frame is new to the gateway), device time now.
 */
export function frames(fleet: Fleet, from: number, count: number, devices = fleet.entries.length): Buffer[] {
  const timeS = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const unit = n % devices;
    const frame = encodeFrame({ type: "loopInterval", deviceId: fleet.entries[unit]!.id, boot: 1, seq: Math.floor(n / devices), timeS, body: BODY }, fleet.keys[unit]!);
    return Buffer.from(slipEncode(frame));
  });
}
