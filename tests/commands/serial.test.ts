// A command round trip over a real serial line: a speed sign running the real firmware (core and
// sign role on a simulated board) on one end of a socat PTY pair, the gateway on the other, the
// command center as an MQTT client of the gateway's broker.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { validateResult } from "../../gateway/commands/translate.js";
import type { Gateway } from "../../gateway/gateway.js";
import type { SerialLink } from "../../gateway/ingest/serial-link.js";
import { loadSettings } from "../../firmware/core/identity.js";
import { ROLES } from "../../firmware/roles/index.js";
import { decode } from "../../shared/cbor.js";
import { parseEnvelope, splitFrame } from "../../shared/envelope.js";
import { slipEncode } from "../../shared/slip.js";
import { startTestGateway } from "../support/gateway.js";
import { KEYS, keyBytes } from "../support/fleet.js";
import { collect, waitFor } from "../support/mqtt.js";
import { expectOfficialModels } from "../support/fiware.js";
import { hasSocat, ptyPair, type PtyPair } from "../support/socat.js";
import { mqttUrl, resultsFor, runUnitOnPty, type PtyUnit } from "./support.js";

const SITE = "smg-pemuda-01";
const TOPIC = `pantau/v1/${SITE}/102/command`;

describe.skipIf(!hasSocat)("a command to a speed sign over a serial line", () => {
  let pty: PtyPair;
  let gateway: Gateway;
  let sub: Awaited<ReturnType<typeof collect>>;
  let center: MqttClient;
  let sign: PtyUnit;
  let commandId: number;

  beforeAll(async () => {
    pty = await ptyPair();
    gateway = await startTestGateway({ serial: [{ path: pty.gateway }] });
    await waitFor("gateway port open", () => (gateway.links.get(pty.gateway) as SerialLink).state === "open");
    sub = await collect(mqttUrl(gateway), `pantau/v1/${SITE}/102/#`);
    center = await mqtt.connectAsync(mqttUrl(gateway), { reconnectPeriod: 0 });
    // five simulated seconds per real one, so a statistics interval passes quickly
    sign = await runUnitOnPty(pty.device, {
      identity: { deviceId: 102, key: keyBytes(KEYS.sign), role: "sign" },
      roles: ROLES,
      settings: { limitKmh: 40, blankAboveKmh: 120, statsIntervalS: 10 },
    }, 5);
    await waitFor("the sign heard", () => sub.messages.some((m) => m.topic.endsWith("/102/status")));
    // and answered: a reading is published live before its commit, and the gateway learns the way
    // to a unit when it answers (after the commit), so a command sent before that waits for the
    // unit's next uplink instead of going at once
    await waitFor("the sign answered", () => sign.unit.device.queue.length === 0);
  });

  afterAll(async () => {
    await center?.endAsync();
    await sub?.client.endAsync();
    await sign?.stop();
    await gateway?.stop();
    await pty?.close();
  });

  it("is delivered at once, applied by the sign's role, and reported delivered then applied", async () => {
    // every uplink the gateway answers once it holds the command is a delivery chance: there must
    // be none before this delivery (an uplink answered while the command is still on its way from
    // the command center's client to the broker cannot carry it)
    const answered: number[] = [];
    gateway.pipeline.prependListener("ack", (req) => req.device.id === 102 && answered.push(Date.now()));
    let submittedAt = Number.NaN;
    let submitReturnedAt = Number.NaN;
    const submit = gateway.commands.submit;
    gateway.commands.submit = (...args) => {
      submittedAt = Date.now();
      const queued = submit.apply(gateway.commands, args);
      submitReturnedAt = Date.now();
      return queued;
    };
    try {
      await center.publishAsync(TOPIC, JSON.stringify({ op: "setSign", limitKmh: 30, ref: "cc-7" }), { qos: 1 });
      await waitFor("applied", () => resultsFor(sub.messages, SITE, 102).find((r) => r.state === "applied"));
    } finally {
      gateway.commands.submit = submit;
    }
    const applied = resultsFor(sub.messages, SITE, 102).find((r) => r.state === "applied")!;
    const results = resultsFor(sub.messages, SITE, 102);
    const deliveredAt = Date.parse(String(results[0]?.time));
    // at once: sent while the gateway took the command in, not at the sign's next uplink
    expect(deliveredAt).toBeGreaterThanOrEqual(submittedAt);
    expect(deliveredAt).toBeLessThanOrEqual(submitReturnedAt);
    expect(answered.filter((t) => t >= submittedAt && t < deliveredAt)).toEqual([]);
    expect(results.map((r) => r.state)).toEqual(["delivered", "applied"]);
    for (const r of results) expect(validateResult(r), JSON.stringify(validateResult.errors)).toBe(true);
    commandId = applied.commandId as number;
    expect(results[0]).toMatchObject({ commandId, deviceId: 102, siteId: SITE, detail: `sent over ${pty.gateway}`, command: { op: "setSign", limitKmh: 30, ref: "cc-7" } });
    expect(applied).toMatchObject({ detail: "applied by the unit" });

    expect(sign.unit.device.settings.limitKmh).toBe(30);
    expect(loadSettings(sign.unit.platform.storage).limitKmh).toBe(30);
    // the role counts against the new limit: the next statistics say so
    const heardAt = sub.messages.length;
    const speed = await waitFor("statistics", () => sub.messages.slice(heardAt).find((m) => m.topic.endsWith("/102/speed")));
    expect(speed.payload.speedLimit).toBe(30);

    expect(gateway.store.command(commandId)).toMatchObject({ state: "applied", detail: "applied by the unit" });
    // and the command center's upstream gets the same results, in order
    const upstream = gateway.store.outboxPeek(10_000).filter((i) => i.topic === `${TOPIC}/result`).map((i) => JSON.parse(i.payload) as Record<string, unknown>);
    expect(upstream.map((r) => r.state)).toEqual(["delivered", "applied"]);
  });

  it("applies a command delivered twice only once, and publishes no second outcome", async () => {
    const sent = sign.downlinks.filter((f) => parseEnvelope(decode(splitFrame(f).signed)).type === "command");
    expect(sent).toHaveLength(1);
    // as if the answer had been lost and the gateway sent the command again
    sign.unit.host.deliver(slipEncode(sent[0]!));
    await waitFor("answered again", () => sign.unit.device.commands.stats.repeated === 1);
    await waitFor("answer acked", () => sign.unit.device.queue.length === 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(sign.unit.device.commands.stats).toMatchObject({ applied: 1, repeated: 1 });
    expect(resultsFor(sub.messages, SITE, 102).map((r) => r.state)).toEqual(["delivered", "applied"]);
    expect(gateway.store.command(commandId)?.state).toBe("applied");
  });

  it("reports the sign's refusal with the setting it refused", async () => {
    const before = resultsFor(sub.messages, SITE, 102).length;
    // 130 is above the sign's blank-above speed (120), which this command leaves alone
    await center.publishAsync(TOPIC, JSON.stringify({ op: "setSign", limitKmh: 130 }), { qos: 1 });
    const rejected = await waitFor("rejected", () => resultsFor(sub.messages, SITE, 102).slice(before).find((r) => r.state === "rejected"));
    expect(resultsFor(sub.messages, SITE, 102).slice(before).map((r) => r.state)).toEqual(["delivered", "rejected"]);
    expect(rejected.detail).toBe("the unit refused limitKmh; none of the command's settings were changed");
    expect(sign.unit.device.settings.limitKmh).toBe(30);
  });

  it("follows a new reporting interval in device health, and counts the answers as frames, not gaps", async () => {
    const before = resultsFor(sub.messages, SITE, 102).length;
    await center.publishAsync(TOPIC, JSON.stringify({ op: "setIntervals", statsIntervalS: 20, statusS: 600 }), { qos: 1 });
    await waitFor("applied", () => resultsFor(sub.messages, SITE, 102).slice(before).find((r) => r.state === "applied"));
    expect(sign.unit.device.settings).toMatchObject({ statsIntervalS: 20, statusS: 600 });
    const health = gateway.health.snapshot(102)!;
    expect(health.expectedInterval).toBe(20);
    expect(health.framesByType.commandResult).toBeGreaterThanOrEqual(3);
    expect(health.lostFrames).toBe(0);
  });

  it("published only messages that follow their official Smart Data Models", () => {
    expectOfficialModels("sign commands over serial", sub.messages);
  });
});
