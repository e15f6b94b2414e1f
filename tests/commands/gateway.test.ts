// The gateway's command intake with no unit connected: bad commands are rejected at once with a
// reason and never queued; a command nobody picks up expires and says so.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import type { Link } from "../../gateway/ingest/link.js";
import { ReplayWindows } from "../../gateway/pipeline/replay-window.js";
import { verifyFrame } from "../../gateway/pipeline/verify.js";
import { CommandOp, CommandResultCode } from "../../shared/messages.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { KEYS } from "../support/fleet.js";
import { validateResult } from "../../gateway/commands/translate.js";
import type { Gateway } from "../../gateway/gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { collect, waitFor } from "../support/mqtt.js";
import { mqttUrl, resultsFor } from "./support.js";
import { tempDir } from "../support/temp.js";

const SIGN = "pantau/v1/smg-pemuda-01/102/command";
const FLOOD = "pantau/v1/smg-kali-semarang-02/103/command";

describe("command intake and expiry", () => {
  let gateway: Gateway;
  let sub: Awaited<ReturnType<typeof collect>>;
  let center: MqttClient;

  beforeAll(async () => {
    gateway = await startTestGateway();
    sub = await collect(mqttUrl(gateway), "pantau/v1/+/+/command/result");
    center = await mqtt.connectAsync(mqttUrl(gateway), { reconnectPeriod: 0 });
  });

  afterAll(async () => {
    await center?.endAsync();
    await sub?.client.endAsync();
    await gateway?.stop();
  });

  it("rejects what it cannot carry out at once, saying why, and queues none of it", async () => {
    const cases: [string, string, RegExp][] = [
      [SIGN, "{limitKmh: 30", /^command is not JSON: /],
      [SIGN, JSON.stringify({ op: "selfDestruct" }), /^\/op must be equal to one of the allowed values/],
      [SIGN, JSON.stringify({ op: "setSign", limitKmh: 500 }), /^\/limitKmh must be <= 200$/],
      [SIGN, JSON.stringify({ op: "setSign" }), /^\(root\) needs at least one of limitKmh, flashMarginKmh, blankAboveKmh$/],
      [SIGN, JSON.stringify({ op: "setSign", limitKmh: 60, blankAboveKmh: 50 }), /^blankAboveKmh \(50\) must be above limitKmh \(60\)$/],
      [SIGN, JSON.stringify({ op: "setFlood", alertMm: 1000 }), /^alertMm is a flood setting; device 102 is a sign unit$/],
      ["pantau/v1/smg-pemuda-01/999/command", JSON.stringify({ op: "reboot" }), /^unknown device 999$/],
      ["pantau/v1/smg-pemuda-01/lamp/command", JSON.stringify({ op: "reboot" }), /^unknown device lamp$/],
      ["pantau/v1/elsewhere/102/command", JSON.stringify({ op: "reboot" }), /^device 102 is at site smg-pemuda-01, not elsewhere$/],
    ];
    for (const [topic, payload] of cases) await center.publishAsync(topic, payload, { qos: 1 });
    await waitFor("every rejection", () => sub.messages.length >= cases.length);
    expect(sub.messages).toHaveLength(cases.length);
    cases.forEach(([topic, payload, why], i) => {
      const m = sub.messages[i]!;
      expect(m.topic).toBe(`${topic}/result`);
      expect(validateResult(m.payload), JSON.stringify(validateResult.errors)).toBe(true);
      expect(m.payload).toMatchObject({ commandId: null, state: "rejected" });
      expect(m.payload.detail).toMatch(why);
      const parsed = (() => { try { return JSON.parse(payload) as unknown; } catch { return payload; } })();
      expect(m.payload.command).toEqual(parsed);
    });
    expect(sub.messages[7]!.payload.deviceId).toBeNull();

    // too large to read at all
    const huge = JSON.stringify({ op: "setSign", limitKmh: 30, ref: "x".repeat(5000) });
    await center.publishAsync(SIGN, huge, { qos: 1 });
    const big = await waitFor("oversize rejected", () => sub.messages[cases.length]);
    expect(big.payload).toMatchObject({ commandId: null, state: "rejected", detail: `command of ${huge.length} bytes exceeds 4096`, command: null });

    expect(gateway.store.commandList()).toEqual([]);
    // upstream gets the same answers
    expect(gateway.store.outboxPeek(1000).filter((i) => i.topic.endsWith("/command/result"))).toHaveLength(cases.length + 1);
  });

  it("reports a command expired when the device is not heard within its time to live", async () => {
    const before = sub.messages.length;
    await center.publishAsync(FLOOD, JSON.stringify({ op: "setFlood", alertMm: 1600, ttlS: 1, ref: "short" }), { qos: 1 });
    await center.publishAsync(FLOOD, JSON.stringify({ op: "requestStatus" }), { qos: 1 });
    const expired = await waitFor("expired", () => resultsFor(sub.messages.slice(before), "smg-kali-semarang-02", 103).find((r) => r.state === "expired"), 5000);
    expect(validateResult(expired)).toBe(true);
    expect(expired).toMatchObject({ deviceId: 103, detail: "no answer from the unit within 1 s", command: { op: "setFlood", alertMm: 1600, ttlS: 1, ref: "short" } });
    expect(resultsFor(sub.messages.slice(before), "smg-kali-semarang-02", 103)).toHaveLength(1);
    const [open, gone] = gateway.store.commandList({ deviceId: 103 });
    expect(gone).toMatchObject({ id: expired.commandId, state: "expired" });
    // the one without a ttlS keeps the default hour, still waiting for the station
    expect(open).toMatchObject({ state: "queued" });
    expect(open!.expiresAt - open!.createdAt).toBe(3_600_000);
  });

  it("keeps queued commands across a gateway restart and sends one ahead of the ack of the device's next frame", async () => {
    const dataDir = tempDir("pantau-gw-");
    const first = await startTestGateway({}, dataDir);
    const client = await mqtt.connectAsync(mqttUrl(first), { reconnectPeriod: 0 });
    await client.publishAsync(FLOOD, JSON.stringify({ op: "setFlood", dangerMm: 2600 }), { qos: 1 });
    await waitFor("queued", () => first.store.commandList().length === 1);
    await client.endAsync();
    await first.stop();

    const second = await startTestGateway({}, dataDir);
    try {
      const sent: Uint8Array[] = [];
      const link: Link = { name: "capture", kind: "direct", state: "open", send: (frame) => sent.push(frame) > 0, stop: async () => undefined };
      second.addLink(link);
      const station = new ScriptedDevice(103, KEYS.flood);
      second.frame(station.frame("floodReport", SAMPLE_BODIES.floodReport), { source: link.name });
      await waitFor("command and ack", () => sent.length >= 2);
      const [command, ack] = sent.map((f) => verifyFrame(f, second.registry, new ReplayWindows()).envelope);
      expect(command).toMatchObject({ type: "command", deviceId: 103, boot: 0, seq: 0, body: { op: CommandOp.set, dangerMm: 2600 } });
      expect(ack).toMatchObject({ type: "ack", body: { boot: station.boot, seq: 0, result: 0 } });
      expect(second.store.commandList()[0]!.state).toBe("delivered");
      // the station's answer, as the next frame
      second.frame(station.frame("commandResult", { id: (command!.body as { id: number }).id, result: CommandResultCode.applied }), { source: link.name });
      await waitFor("applied", () => second.store.commandList()[0]!.state === "applied");
      await waitFor("answer acked", () => sent.length >= 3);
      // not a reading: nothing in history for it
      expect(second.store.history({ deviceId: 103 }).map((r) => r.type)).toEqual(["floodReport"]);
    } finally {
      await second.stop();
    }
  });
});
