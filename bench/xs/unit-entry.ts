// XS entry for the firmware cost and air benches: one whole unit of a role (main.ts's boot, the
// real core and role) on a simulated board wired to the demo's physics, on its serial link, with
// a gateway end inside XS that acks every frame at once. run() advances the unit's clock and hands
// back, and forgets, the envelope frames it sent meanwhile: exactly the bytes a LoRa unit puts on
// the air. A bridge runs with one LoRa flood gauge as its neighbour, whose frames it relays.

import { ENVELOPE_MARKER } from "../../firmware/core/host-port.js";
import { ROLES } from "../../firmware/roles/index.js";
import { startSimDevice, type SimDevice } from "../../firmware/sim/run-device.js";
import { advanceTogether, SimAir } from "../../firmware/sim/sim-air.js";
import { MemoryStorage, SimPlatform } from "../../firmware/sim/sim-platform.js";
import { attachLoopTraffic, attachPressureGauge, attachRadar, attachRanger } from "../../gateway/demo/physics.js";
import { decode } from "../../shared/cbor.js";
import { encodeFrame, parseEnvelope, splitFrame } from "../../shared/envelope.js";
import { AckResult } from "../../shared/messages.js";
import { decodeRelayUp, encodeRelayDown, RELAY_UP } from "../../shared/relay.js";
import { SlipDecoder, slipEncode } from "../../shared/slip.js";

const EPOCH_S = 1_764_547_200;
const UNIT = 2201;
const NEIGHBOUR = 2202;

let unit: SimDevice | undefined;
let neighbour: SimDevice | undefined;
let keys = new Map<number, Uint8Array>();
let frames: Uint8Array[] = [];

function ack(frame: Uint8Array, relayed: boolean): void {
  const raw = parseEnvelope(decode(splitFrame(frame).signed));
  const key = keys.get(raw.deviceId);
  if (!key || !unit) return;
  const timeS = EPOCH_S + Math.floor(unit.platform.timeMs / 1000);
  const answer = encodeFrame({ type: "ack", deviceId: raw.deviceId, boot: raw.boot, seq: raw.seq, timeS, body: { boot: raw.boot, seq: raw.seq, timeS, result: AckResult.ok } }, key);
  unit.host.deliver(slipEncode(relayed ? encodeRelayDown(answer) : answer));
}

/** Boots a provisioned unit of `role` with default settings; `key` signs its frames. */
export function start(role: string, key: Uint8Array, seed: number): void {
  unit?.stop();
  neighbour?.stop();
  neighbour = undefined;
  frames = [];
  keys = new Map([[UNIT, key], [NEIGHBOUR, key]]);
  const platform = new SimPlatform(new MemoryStorage());
  let air: SimAir | undefined;
  switch (role) {
    case "loop": attachLoopTraffic(platform, seed); break;
    case "sign": attachRadar(platform, seed); break;
    case "flood": attachRanger(platform, seed, 4200); break;
    case "bridge": {
      air = new SimAir();
      const gauge = new SimPlatform(new MemoryStorage());
      attachPressureGauge(gauge, seed);
      neighbour = startSimDevice({
        platform: gauge, identity: { deviceId: NEIGHBOUR, key, role: "flood" }, roles: ROLES, link: "lora", air, radio: { rssiDbm: -108, snrDb10: 45 },
        settings: { sensorType: "pressure", referenceMm: 5000, alertMm: 2000, dangerMm: 3000 },
      });
      break;
    }
    default: throw new Error(`no physics for role ${role}`);
  }
  // the gateway's end of the serial line: keeps each envelope frame, acks it at once
  const deframer = new SlipDecoder((record) => {
    if (record[0] === ENVELOPE_MARKER) {
      frames.push(record);
      ack(record, false);
    } else if (record[0] === RELAY_UP) {
      ack(decodeRelayUp(record).packet, true);
    }
  }, () => undefined, 300);
  unit = startSimDevice({
    platform, identity: { deviceId: UNIT, key, role }, roles: ROLES, link: "serial",
    ...(air ? { air, radio: { rssiDbm: -40, snrDb10: 90 } } : {}),
    onHostWrite: (bytes) => deframer.push(bytes),
  });
}

/** Advances the unit's clock by `ms`; returns the envelope frames it sent meanwhile. */
export function run(ms: number): Uint8Array[] {
  if (!unit) throw new Error("start() first");
  advanceTogether(neighbour ? [unit.platform, neighbour.platform] : [unit.platform], ms, 20);
  return frames.splice(0);
}
