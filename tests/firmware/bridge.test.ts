// The bridge role on XS with a simulated LoRa channel: packets relayed both ways with their radio
// metadata, its duty-cycle budget holding back bursts (measured in virtual time), and a LoRa unit
// running the real core acked through it within its receive window. Node is the gateway.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loraAirtimeMs } from "../../shared/airtime.js";
import { MAX_AIR_FRAME } from "../../shared/messages.js";
import { decodeRelayUp, encodeRelayDown, RELAY_UP } from "../../shared/relay.js";
import { slipEncode } from "../../shared/slip.js";
import type { BridgeStats } from "../../firmware/roles/bridge/role.js";
import { startXs, type XsSession } from "../xs/harness.js";
import { ackFrame, deframe, envelopesIn, verify } from "./fixtures/core-gateway.js";

const ENTRY = new URL("./fixtures/bridge-entry.ts", import.meta.url).pathname;
const BRIDGE_KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
const UNIT_KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x80 + i);
const GATEWAY_TIME_S = 1_760_000_000;

interface Heard { atMs: number; payload: Uint8Array; rssiDbm: number; snrDb10: number }
interface UnitState { queueLength: number; outsideWindow: number; missedAcks: number; sent: number }
interface BridgeState { timeMs: number; stats: BridgeStats; held: number; budgetMs: number; usedMs: number; bridgeQueue: number }

describe("bridge role on XS", () => {
  let xs: XsSession;
  const call = async <T>(fn: string, ...args: unknown[]): Promise<T> => (await xs.call<T>(fn, ...args)).value;
  const relayed = (bytes: Uint8Array) => deframe(bytes).filter((f) => f[0] === RELAY_UP).map((f) => decodeRelayUp(f));
  const down = (packet: Uint8Array) => call<Uint8Array>("toBridge", slipEncode(encodeRelayDown(packet)));

  beforeAll(async () => {
    xs = await startXs(ENTRY, { name: "bridge" });
  });

  afterAll(async () => {
    await xs?.close();
  });

  it("relays a heard packet to the gateway with its RSSI and SNR, and sends its own status", async () => {
    await call("setupBridge", BRIDGE_KEY);
    const boot = await call<Uint8Array>("advance", 0);
    const [status] = envelopesIn(boot, BRIDGE_KEY);
    expect(status!.envelope).toMatchObject({ type: "status", deviceId: 900, body: { role: 4 } });
    await call("addField", "sensor", -117, -73);
    const packet = Uint8Array.from([0x87, 1, 2, 3, 0xc0, 0xdb, 250]);
    await call("fieldTransmit", "sensor", packet);
    const out = await call<Uint8Array>("advance", 1000);
    const [up] = relayed(out);
    expect(up).toEqual({ rssiDbm: -117, snrDb10: -73, packet });
  });

  it("puts a gateway transmit record on the air", async () => {
    await call("setupBridge", BRIDGE_KEY);
    await call("addField", "sensor", -90, 40);
    const packet = Uint8Array.from({ length: 30 }, (_, i) => i);
    await down(packet);
    await call("advance", 2000);
    const heard = await call<Heard[]>("fieldHeard", "sensor");
    expect(heard).toHaveLength(1);
    expect(heard[0]!.payload).toEqual(packet);
    expect(heard[0]!.rssiDbm).toBe(-60);
    // It arrives when its time on air has passed.
    expect(heard[0]!.atMs).toBeGreaterThanOrEqual(Math.floor(loraAirtimeMs({ payloadBytes: 30, spreadingFactor: 10 })));
    const state = await call<BridgeState>("bridgeState");
    expect(state.stats).toMatchObject({ relayedDown: 1, heldBack: 0 });
  });

  it("holds a burst beyond the duty-cycle budget back and sends it as the window slides", async () => {
    // 1 % of a 60 s window = 600 ms on air: one 20-byte SF10 packet (371 ms) per window.
    await call("setupBridge", BRIDGE_KEY, { dutyWindowS: 60, dlMaxAgeMs: 3_600_000, dlQueue: 32 });
    await call("addField", "sensor", -90, 40);
    const airtime = loraAirtimeMs({ payloadBytes: 20, spreadingFactor: 10 });
    for (let i = 0; i < 8; i++) await down(Uint8Array.from({ length: 20 }, () => i));
    const early = await call<BridgeState>("bridgeState");
    expect(early.budgetMs).toBe(600);
    expect(early.held).toBe(7);
    await call("advance", 10 * 60_000, 50);
    const heard = await call<Heard[]>("fieldHeard", "sensor");
    expect(heard.map((h) => h.payload[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let i = 1; i < heard.length; i++) {
      // Never two transmissions inside one 60 s window (the budget holds one).
      expect(heard[i]!.atMs - heard[i - 1]!.atMs).toBeGreaterThanOrEqual(60_000);
      expect(heard[i]!.atMs - heard[i - 1]!.atMs).toBeLessThan(62_000);
    }
    const state = await call<BridgeState>("bridgeState");
    expect(state.stats).toMatchObject({ relayedDown: 8, heldBack: 7, droppedStale: 0, droppedFull: 0 });
    expect(state.stats.airtimeMs).toBeCloseTo(8 * airtime, 6);
    console.info(`bridge burst: 8 downlinks of ${airtime.toFixed(1)} ms sent at ${heard.map((h) => (h.atMs / 1000).toFixed(1)).join(", ")} s`);
  });

  it("drops held downlinks that turn stale and refuses them when its queue is full, counting both", async () => {
    await call("setupBridge", BRIDGE_KEY, { dutyWindowS: 60, dlQueue: 3 });
    await call("addField", "sensor", -90, 40);
    for (let i = 0; i < 5; i++) await down(Uint8Array.from({ length: 20 }, () => i));
    await call("advance", 120_000, 50);
    const state = await call<BridgeState>("bridgeState");
    // One goes at once; three wait (the fifth finds the queue full) and go stale after 2.5 s.
    expect(state.stats).toMatchObject({ relayedDown: 1, droppedFull: 1, droppedStale: 3 });
    expect(state.held).toBe(0);
    expect((await call<Heard[]>("fieldHeard", "sensor")).map((h) => h.payload[0])).toEqual([0]);
  });

  it("carries a LoRa unit's frames to the gateway and its acks back inside the receive window", async () => {
    await call("setupBridge", BRIDGE_KEY);
    await call("advance", 0);
    await call("addLoRaUnit", "flood", 42, UNIT_KEY, -104, -35);
    await call("unitReport", "flood", 1234);
    const frames: ReturnType<typeof verify>[] = [];
    const radio: { rssiDbm: number; snrDb10: number }[] = [];
    for (let t = 0; t < 20_000; t += 20) {
      const out = await call<Uint8Array>("advance", 20);
      for (const up of relayed(out)) {
        const envelope = verify(up.packet, UNIT_KEY);
        frames.push(envelope);
        radio.push({ rssiDbm: up.rssiDbm, snrDb10: up.snrDb10 });
        expect(up.packet.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
        await down(ackFrame(envelope, UNIT_KEY, GATEWAY_TIME_S + Math.floor(t / 1000)));
      }
    }
    expect(frames.map((f) => [f.type, f.seq])).toEqual([["status", 0], ["floodReport", 1]]);
    expect(radio[0]).toEqual({ rssiDbm: -104, snrDb10: -35 });
    const unit = await call<Record<string, unknown>>("unitState", "flood");
    expect(unit).toMatchObject({ queueLength: 0, synced: true, acked: 2, missedAcks: 0 });
    // The unit's next status reports how it hears the bridge.
    expect(unit.status).toMatchObject({ rssiDbm: -60, snrDb10: 95 });
    const bridge = await call<BridgeState>("bridgeState");
    expect(bridge.stats).toMatchObject({ relayedUp: 2, relayedDown: 2 });
  });

  it("ignores an ack that misses the receive window and resends until one is heard in time", async () => {
    await call("setupBridge", BRIDGE_KEY);
    await call("advance", 0);
    await call("addLoRaUnit", "late", 43, UNIT_KEY, -100, 20, { rxWindowMs: 1000, retryMs: 5000 });
    const sent: ReturnType<typeof verify>[] = [];
    let t = 0;
    for (; t < 60_000 && sent.length < 2; t += 20) for (const up of relayed(await call<Uint8Array>("advance", 20))) sent.push(verify(up.packet, UNIT_KEY));
    // First transmission: the gateway answers 3 s late, after the 1 s window closed.
    await call("advance", 3000);
    await down(ackFrame(sent[0]!, UNIT_KEY, GATEWAY_TIME_S));
    await call("advance", 2000);
    const missed = await call<UnitState>("unitState", "late");
    expect(missed.outsideWindow).toBeGreaterThanOrEqual(1);
    expect(missed.queueLength).toBe(1);
    expect(missed.missedAcks).toBeGreaterThanOrEqual(1);
    // The resend is answered at once and settles the frame.
    for (let i = 0; i < 1500 && (await call<UnitState>("unitState", "late")).queueLength > 0; i++) {
      for (const up of relayed(await call<Uint8Array>("advance", 20))) await down(ackFrame(verify(up.packet, UNIT_KEY), UNIT_KEY, GATEWAY_TIME_S));
    }
    const settled = await call<UnitState>("unitState", "late");
    expect(settled.queueLength).toBe(0);
    expect(settled.sent).toBeGreaterThanOrEqual(2);
  });

  it("runs 24 simulated hours relaying a LoRa flood station's traffic, without heap growth", async () => {
    await call("setupBridge", BRIDGE_KEY);
    await call("addLoRaUnit", "station", 44, UNIT_KEY, -108, -50);
    await call("startAutoGateway", [[900, BRIDGE_KEY], [44, UNIT_KEY]]);
    const heap: number[] = [];
    let compute = 0;
    for (let hour = 0; hour < 24; hour++) {
      for (let i = 0; i < 12; i++) await call("unitReport", "station", 500 + hour * 12 + i);
      compute += (await xs.call("runWithGateway", 3_600_000, 250)).meter.compute;
      if (hour === 11 || hour === 23) heap.push((await xs.gc()).currentHeapCount);
    }
    await xs.call("runWithGateway", 10_000, 250); // the status made at 24:00:00 is still in flight
    const unit = await call<UnitState>("unitState", "station");
    const bridge = await call<BridgeState>("bridgeState");
    expect(unit).toMatchObject({ queueLength: 0, missedAcks: 0 });
    // The station: 24 x 12 reports + a status every 300 s (and at boot); the bridge: its own statuses.
    expect(bridge.stats.relayedUp).toBe(24 * 12 + 24 * 12 + 1);
    expect(bridge.stats.relayedDown).toBe(bridge.stats.relayedUp);
    expect(bridge.stats.droppedStale + bridge.stats.droppedFull).toBe(0);
    expect(heap[1]).toBeLessThanOrEqual(heap[0]! * 1.02);
    console.info(`bridge + LoRa station 24 h on XS: heap slots after gc at 12 h ${heap[0]}, at 24 h ${heap[1]}; compute ${compute}; ` +
      `bridge airtime ${(bridge.stats.airtimeMs / 1000).toFixed(1)} s`);
  });
});
