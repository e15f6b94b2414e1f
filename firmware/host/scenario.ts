// The Moddable host run's program (firmware/host/manifest.json, x-cli-lin): one role's unit
// booted by the device build's own boot() and roles, preloaded as on the device, on the
// simulated board and physics of `pantau demo`, for some hours of simulated time. The gateway's
// end of the serial line is played here (acks to every authentic frame, through the bridge for
// LoRa units); every frame the gateway would receive is printed as a "frame <hex>" line for the
// Node side to verify and decode with the gateway's pipeline. main.c calls boot() then run() and
// measures the machine after each.

import { attachLoopTraffic, attachPressureGauge, attachRanger, radarWithTraffic } from "../../gateway/demo/physics.js";
import { decode } from "../../shared/cbor.js";
import { encodeFrame, micMatches, parseEnvelope, splitFrame } from "../../shared/envelope.js";
import { AckResult, type RoleName } from "../../shared/messages.js";
import { decodeRelayUp, encodeRelayDown, MAX_RELAY_RECORD, RELAY_UP } from "../../shared/relay.js";
import { SlipDecoder, slipEncode } from "../../shared/slip.js";
import { ENVELOPE_MARKER } from "../core/host-port.js";
import type { SettingValue } from "../core/settings.js";
import { ROLES } from "../roles/index.js";
import { startSimDevice, type SimDevice } from "../sim/run-device.js";
import { advanceTogether, SimAir } from "../sim/sim-air.js";
import { MemoryStorage, SimPlatform } from "../sim/sim-platform.js";

interface UnitPlan {
  deviceId: number;
  role: RoleName;
  link: "serial" | "lora";
  settings: Record<string, SettingValue>;
  /** attaches the physics; what it returns is drained of its truth records each minute */
  physics?: (platform: SimPlatform, seed: number) => unknown;
}

/** What runs for each role: the unit on the gateway's serial line, and for the bridge a LoRa gauge behind it. */
const PLANS: Readonly<Record<RoleName, readonly UnitPlan[]>> = {
  loop: [{ deviceId: 101, role: "loop", link: "serial", settings: { loops: 4, lanes: "0011", intervalS: 60 }, physics: attachLoopTraffic }],
  sign: [{ deviceId: 102, role: "sign", link: "serial", settings: { radarModel: "ld2415", limitKmh: 40 }, physics: radarWithTraffic }],
  flood: [{
    deviceId: 103, role: "flood", link: "serial",
    settings: { sensorType: "maxbotix", referenceMm: 4200, alertMm: 1500, dangerMm: 2500, reportIntervalS: 300, fastIntervalS: 60 },
    physics: (platform, seed) => attachRanger(platform, seed, 4200),
  }],
  bridge: [
    { deviceId: 104, role: "bridge", link: "serial", settings: {} },
    {
      deviceId: 105, role: "flood", link: "lora",
      settings: { sensorType: "pressure", referenceMm: 5000, alertMm: 2000, dangerMm: 3000, reportIntervalS: 300, fastIntervalS: 120 },
      physics: attachPressureGauge,
    },
  ],
};

/** main.c's: collects garbage and keeps the largest live heap seen. */
declare function hostSample(): void;

/** Lockstep of the boards sharing the LoRa channel, as in the demo. */
const STEP_MS = 10;
const MINUTE_MS = 60_000;
/** The gateway's clock at the start: acks carry it, so units learn the time. */
const GATEWAY_EPOCH_S = 1_764_460_800;

interface World {
  platforms: SimPlatform[];
  units: SimDevice[];
  keys: Map<number, Uint8Array>;
  deframer: SlipDecoder;
  acks: number;
  /** physics that keep truth records for a test to compare: nobody compares here */
  truths: { takeFinished(): unknown }[];
}

let world: World | undefined;

/** A fixed per-unit key: the Node side reads it from the "unit" lines. */
function keyFor(deviceId: number): Uint8Array {
  const key = new Uint8Array(16);
  for (let i = 0; i < key.length; i++) key[i] = (deviceId * 31 + i * 17) & 0xff;
  return key;
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
}

/** Provisions and boots the role's units; prints "unit <id> <role> <key hex>" for each. */
export function boot(role: string): void {
  const plans = PLANS[role as RoleName];
  if (!plans) throw new Error(`no host scenario for role "${role}"`);
  const air = new SimAir();
  const w: World = { platforms: [], units: [], keys: new Map(), deframer: new SlipDecoder((f) => answer(w, f), () => undefined, MAX_RELAY_RECORD), acks: 0, truths: [] };
  plans.forEach((plan, index) => {
    const platform = new SimPlatform(new MemoryStorage());
    const key = keyFor(plan.deviceId);
    const physics = plan.physics?.(platform, 100 + index);
    if (hasTruths(physics)) w.truths.push(physics);
    w.keys.set(plan.deviceId, key);
    w.platforms.push(platform);
    const gatewaySide = index === 0;
    w.units.push(startSimDevice({
      platform,
      identity: { deviceId: plan.deviceId, key, role: plan.role },
      roles: ROLES,
      settings: plan.settings,
      link: plan.link,
      ...(plan.role === "bridge" || plan.link === "lora" ? { air, radio: { rssiDbm: -90, snrDb10: 60 } } : {}),
      ...(gatewaySide ? { onHostWrite: (bytes: Uint8Array) => w.deframer.push(bytes) } : {}),
    }));
    trace(`unit ${plan.deviceId} ${plan.role} ${hex(key)}\n`);
  });
  world = w;
}

/** Runs the booted units for `hours` of simulated time; prints what they traced ("device ...") and "ran <hours> h, <acks> acks". */
export function run(hours: number): void {
  const w = world;
  if (!w) throw new Error("boot() first");
  for (let ms = 0; ms < hours * 3_600_000; ms += MINUTE_MS) {
    advanceTogether(w.platforms, MINUTE_MS, STEP_MS);
    for (const physics of w.truths) physics.takeFinished();
    hostSample();
  }
  for (const platform of w.platforms) for (const line of platform.traces.splice(0)) trace(`device ${line}\n`);
  trace(`ran ${hours} h, ${w.acks} acks\n`);
}

function hasTruths(physics: unknown): physics is { takeFinished(): unknown } {
  return typeof (physics as { takeFinished?: unknown } | undefined)?.takeFinished === "function";
}

/** The gateway's end: prints each envelope frame and acks it, directly or through the bridge. */
function answer(w: World, record: Uint8Array): void {
  const relayed = record[0] === RELAY_UP;
  if (!relayed && record[0] !== ENVELOPE_MARKER) return;
  const frame = relayed ? decodeRelayUp(record).packet : record;
  trace(`frame ${hex(frame)}\n`);
  const split = splitFrame(frame);
  const raw = parseEnvelope(decode(split.signed));
  const key = w.keys.get(raw.deviceId);
  if (!key || !micMatches(key, split)) return;
  const timeS = GATEWAY_EPOCH_S + Math.floor(w.platforms[0]!.timeMs / 1000);
  const { boot: bootCount, seq } = raw;
  const ack = encodeFrame({ type: "ack", deviceId: raw.deviceId, boot: bootCount, seq, timeS, body: { boot: bootCount, seq, timeS, result: AckResult.ok } }, key);
  w.acks++;
  w.units[0]!.host.deliver(slipEncode(relayed ? encodeRelayDown(ack) : ack));
}
