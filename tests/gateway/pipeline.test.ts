import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decode as cborxDecode } from "cbor-x";
import { encode } from "../../shared/cbor.js";
import { computeMic, encodeFrame, MIC_BYTES } from "../../shared/envelope.js";
import { PROTOCOL_VERSION } from "../../shared/messages.js";
import type { Gateway } from "../../gateway/gateway.js";
import type { Accepted } from "../../gateway/pipeline/pipeline.js";
import { startTestGateway } from "../support/gateway.js";
import { outputValidator } from "../../gateway/normalize/schemas.js";
import type { Kind } from "../../gateway/normalize/index.js";
import { KEYS, keyBytes } from "../support/fleet.js";
import { collect, waitFor, type Received } from "../support/mqtt.js";
import { expectOfficialModels } from "../support/fiware.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { T0 } from "../support/time.js";

let gateway: Gateway;
let sub: Awaited<ReturnType<typeof collect>>;
const origin = { source: "test" };

beforeAll(async () => {
  gateway = await startTestGateway();
  sub = await collect(`mqtt://127.0.0.1:${gateway.broker.port}`);
});

afterAll(async () => {
  await sub.client.endAsync();
  await gateway.stop();
});

function expectValid(message: Received, kind: Kind): void {
  const validate = outputValidator(kind);
  expect(validate(message.payload), JSON.stringify(validate.errors)).toBe(true);
}

describe("pipeline: verify -> normalize -> publish", () => {
  it("publishes every message kind as schema-valid normalized JSON on its topic", async () => {
    const loop = new ScriptedDevice(101, KEYS.loop);
    const sign = new ScriptedDevice(102, KEYS.sign);
    const flood = new ScriptedDevice(103, KEYS.flood);
    const timeS = T0 / 1000;
    const frames = [
      loop.frame("loopInterval", SAMPLE_BODIES.loopInterval, timeS),
      loop.frame("status", SAMPLE_BODIES.status, timeS),
      sign.frame("signStats", SAMPLE_BODIES.signStats, timeS),
      sign.frame("signHistogram", SAMPLE_BODIES.signHistogram, timeS),
      flood.frame("floodReport", SAMPLE_BODIES.floodReport, timeS),
      flood.frame("floodAlarm", SAMPLE_BODIES.floodAlarm, timeS),
    ];
    const accepted: Accepted[] = [];
    const onAccepted = (a: Accepted): number => accepted.push(a);
    gateway.pipeline.on("accepted", onAccepted);
    for (const f of frames) expect(await gateway.pipeline.handleFrame(f, origin)).toBe("accepted");
    gateway.pipeline.off("accepted", onAccepted);
    await waitFor("six messages", () => sub.messages.length >= 6);
    // only an alarm's message is kept past its publish (the gateway logs it)
    expect(accepted.map((a) => [a.kind, a.alarm?.payload.severity])).toEqual([
      ["traffic", undefined], ["status", undefined], ["speed", undefined], ["speed", undefined], ["flood", undefined], ["alarm", "high"],
    ]);

    const byTopic = new Map(sub.messages.map((m) => [m.topic, m]));
    const traffic = byTopic.get("pantau/v1/smg-pemuda-01/101/traffic")!;
    expectValid(traffic, "traffic");
    expect(traffic.payload).toMatchObject({
      id: "urn:ngsi-ld:TrafficFlowObserved:smg-pemuda-01:101:lane1",
      messageId: "urn:ngsi-ld:TrafficFlowObserved:smg-pemuda-01:101:1:0",
      refDevice: "urn:ngsi-ld:Device:smg-pemuda-01:101",
      refSite: "urn:ngsi-ld:Site:smg-pemuda-01",
      type: "TrafficFlowObserved", laneId: 1, laneDirection: "forward", intensity: 23, occupancy: 0.142,
      averageVehicleSpeed: 47, averageVehicleLength: 4.6, averageHeadwayTime: 2.6,
      dateObserved: "2026-11-23T03:00:00.000Z", dateObservedFrom: "2026-11-23T02:59:00.000Z",
      dateObservedTo: "2026-11-23T03:00:00.000Z", roadName: "Jl. Pemuda", timeSource: "device",
      vehicleClassCounts: { motorcycle: 4, short: 15, medium: 3, long: 1 },
      location: { type: "Point", coordinates: [110.4145, -6.9812] },
    });
    const status = byTopic.get("pantau/v1/smg-pemuda-01/101/status")!;
    expectValid(status, "status");
    expect(status.retain).toBe(false); // live delivery; the broker keeps it retained for new subscribers
    expect(status.payload).toMatchObject({
      id: "urn:ngsi-ld:Device:smg-pemuda-01:101", type: "Device", controlledProperty: ["trafficFlow", "occupancy", "speed"],
      role: "loop", batteryVoltage: 12.48, firmwareVersion: "1.0.0", online: true, deviceState: "ok",
    });
    expect(status.payload).not.toHaveProperty("direction"); // the Device model's direction is Inlet/Outlet/Entry/Exit

    const stats = byTopic.get("pantau/v1/smg-pemuda-01/102/speed")!;
    expectValid(stats, "speed");
    const speedMessages = sub.messages.filter((m) => m.topic.endsWith("/102/speed"));
    expect(speedMessages.map((m) => [m.payload.type, m.payload.id])).toEqual([
      ["TrafficFlowObserved", "urn:ngsi-ld:TrafficFlowObserved:smg-pemuda-01:102:approach"],
      ["TrafficFlowObserved", "urn:ngsi-ld:TrafficFlowObserved:smg-pemuda-01:102:approach:speedHistogram"],
    ]);
    expect(speedMessages[0]!.payload).toMatchObject({ intensity: 88, averageVehicleSpeed: 38.2, speedPercentile85: 46, overSpeedLimitShare: 0.239 });
    expect(speedMessages[1]!.payload.bins).toHaveLength(10);
    expectValid(speedMessages[1]!, "speed");
    expect((speedMessages[1]!.payload.bins as { from: number }[])[0]!.from).toBe(20);

    const floodMsg = byTopic.get("pantau/v1/smg-kali-semarang-02/103/flood")!;
    expectValid(floodMsg, "flood");
    expect(floodMsg.payload).toMatchObject({
      id: "urn:ngsi-ld:FloodMonitoring:smg-kali-semarang-02:103", stationID: "103", observationDateTime: "2026-11-23T03:00:00.000Z",
      type: "FloodMonitoring", currentLevel: 1.15, measuredDistance: 3.05, referenceLevel: 4.2,
      alertLevel: 1.5, dangerLevel: 2.5, floodLevelStatus: "normal", alertStage: "Siaga 4", temperature: 29.1,
    });
    const alarm = byTopic.get("pantau/v1/smg-kali-semarang-02/103/alarm")!;
    expectValid(alarm, "alarm");
    expect(floodMsg.payload).not.toHaveProperty("dateObserved"); // FloodMonitoring calls it observationDateTime
    expect(alarm.payload).toMatchObject({
      id: "urn:ngsi-ld:Alert:smg-kali-semarang-02:103:floodLevelStatus", type: "Alert",
      category: "naturalDisaster", subCategory: "flood", alertSource: "urn:ngsi-ld:Device:smg-kali-semarang-02:103",
      dateIssued: "2026-11-23T03:00:00.000Z", validFrom: "2026-11-23T03:00:00.000Z",
      severity: "high", floodLevelStatus: "alert", previousFloodLevelStatus: "normal",
    });
  });

  it("retains status so a late subscriber sees device health at once", async () => {
    const late = await collect(`mqtt://127.0.0.1:${gateway.broker.port}`, "pantau/v1/+/+/status");
    try {
      const m = await waitFor("retained status", () => late.messages.find((x) => x.topic.endsWith("/101/status")));
      expect(m.retain).toBe(true);
    } finally {
      await late.client.endAsync();
    }
  });

  it("rejects bad input with a counted reason and publishes nothing for it", async () => {
    const before = { ...gateway.pipeline.counts };
    const published = sub.messages.length;
    const loop = new ScriptedDevice(101, KEYS.loop);
    loop.boot = 7;
    const good = loop.frame("status", SAMPLE_BODIES.status);

    const badMic = good.slice();
    badMic[badMic.length - 1]! ^= 0x01;
    const stranger = new ScriptedDevice(999, KEYS.stranger).frame("status", SAMPLE_BODIES.status);
    const wrongKey = new ScriptedDevice(101, KEYS.sign).frame("status", SAMPLE_BODIES.status);
    const notCbor = Uint8Array.of(0x1c, 1, 2, 3, 4, 5, 6, 7);
    const truncated = Uint8Array.of(...good.subarray(0, 10), 0, 0, 0, 0);
    const sign = (array: unknown[], key = KEYS.loop) => {
      const signed = encode(array);
      return Uint8Array.of(...signed, ...computeMic(keyBytes(key), signed));
    };
    const wrongVersion = sign([9, 101, 7, 50, 0, 0, new Map()]);
    const unknownType = sign([PROTOCOL_VERSION, 101, 7, 51, 42, 0, new Map()]);
    const notArray = sign(new Map([[1, 2]]) as unknown as unknown[]);
    // 500 % occupancy: the device encoder refuses it, so the frame is built by hand
    const absurd = sign([PROTOCOL_VERSION, 101, 7, 52, 2, 0, new Map<number, unknown>([[1, 0], [2, 60], [3, 9], [4, 5000], [7, [9]]])]);
    const ackUplink = loop.frame("ack", { boot: 1, seq: 1, timeS: 0, result: 0 });

    const outcomes = [];
    for (const f of [good, badMic, stranger, wrongKey, notCbor, truncated, wrongVersion, unknownType, notArray, absurd, ackUplink, good]) {
      outcomes.push(await gateway.pipeline.handleFrame(f, origin));
    }
    expect(outcomes).toEqual([
      "accepted", "mic", "unknown-device", "mic", "cbor", "cbor", "version", "type", "envelope", "range", "type", "replay",
    ]);
    const delta = (k: keyof typeof before) => gateway.pipeline.counts[k] - before[k];
    expect(delta("accepted")).toBe(1);
    expect(delta("mic")).toBe(2);
    expect(delta("replay")).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.messages.length - published).toBe(1);
  });

  it("refuses a message type the device's role does not send: counted, answered rejected, never published", async () => {
    const acks: number[] = [];
    const listener = (req: { result: number }) => acks.push(req.result);
    gateway.pipeline.on("ack", listener);
    const before = gateway.pipeline.counts.role;
    const published = sub.messages.length;
    const loop = new ScriptedDevice(101, KEYS.loop);
    loop.boot = 8;
    expect(await gateway.pipeline.handleFrame(loop.frame("floodAlarm", SAMPLE_BODIES.floodAlarm), origin)).toBe("role");
    expect(await gateway.pipeline.handleFrame(loop.frame("signStats", SAMPLE_BODIES.signStats), origin)).toBe("role");
    // the same unit's own messages still go through
    expect(await gateway.pipeline.handleFrame(loop.frame("loopInterval", SAMPLE_BODIES.loopInterval), origin)).toBe("accepted");
    gateway.pipeline.off("ack", listener);
    expect(gateway.pipeline.counts.role - before).toBe(2);
    expect(acks).toEqual([2, 2, 0]);
    await waitFor("the loop interval", () => sub.messages.length > published);
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.messages.slice(published).map((m) => m.topic)).toEqual(["pantau/v1/smg-pemuda-01/101/traffic"]);
    expect(gateway.store.history({ deviceId: 101, kind: "alarm" })).toEqual([]);
  });

  it("accepts a reboot (boot + 1, seq from 0) and out-of-order resends, but never the same frame twice", async () => {
    const flood = new ScriptedDevice(103, KEYS.flood);
    flood.boot = 20;
    const report = (seq: number) => {
      flood.seq = seq;
      return flood.frame("floodReport", SAMPLE_BODIES.floodReport);
    };
    const run = async (f: Uint8Array) => gateway.pipeline.handleFrame(f, origin);
    expect(await run(report(5))).toBe("accepted");
    expect(await run(report(7))).toBe("accepted");
    expect(await run(report(6))).toBe("accepted"); // a resend after a lost frame, inside the window
    expect(await run(report(6))).toBe("replay");
    expect(await run(report(7))).toBe("replay");
    flood.reboot();
    expect(flood.boot).toBe(21);
    expect(await run(report(0))).toBe("accepted");
    expect(await run(report(1))).toBe("accepted");
    flood.boot = 20;
    expect(await run(report(8))).toBe("replay"); // an old boot is never reopened
  });

  it("answers every authentic frame with a signed ack the device can verify, and re-acks a resend as duplicate", async () => {
    const acks: { result: number; seq: number }[] = [];
    const listener = (req: { result: number; envelope: { seq: number } }) => acks.push({ result: req.result, seq: req.envelope.seq });
    gateway.pipeline.on("ack", listener);
    const sign = new ScriptedDevice(102, KEYS.sign);
    sign.boot = 3;
    const f = sign.frame("signStats", SAMPLE_BODIES.signStats);
    await gateway.pipeline.handleFrame(f, origin);
    await gateway.pipeline.handleFrame(f, origin);
    gateway.pipeline.off("ack", listener);
    expect(acks).toEqual([{ result: 0, seq: 0 }, { result: 1, seq: 0 }]);
  });

  it("frames agree with cbor-x byte for byte on the envelope layout", () => {
    const timeS = 1_790_000_000;
    const frame = encodeFrame({ type: "status", deviceId: 101, boot: 2, seq: 3, timeS, body: SAMPLE_BODIES.status }, keyBytes(KEYS.loop));
    const decoded = cborxDecode(frame.subarray(0, frame.length - MIC_BYTES)) as unknown[];
    expect(decoded.slice(0, 6)).toEqual([PROTOCOL_VERSION, 101, 2, 3, 0, timeS]);
  });

  it("published only messages that follow their official Smart Data Models", () => {
    expectOfficialModels("pipeline", sub.messages);
  });
});
