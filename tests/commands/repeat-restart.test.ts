// Commands and restarts over a real serial line (a socat PTY pair): a command published twice
// with the same ref is queued once, and after a gateway restart a command to a serial unit goes
// out at once, because where each unit was last heard is kept in the store.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import type { Gateway } from "../../gateway/gateway.js";
import type { SerialLink } from "../../gateway/ingest/serial-link.js";
import { ROLES } from "../../firmware/roles/index.js";
import { startTestGateway } from "../support/gateway.js";
import { KEYS, keyBytes } from "../support/fleet.js";
import { collect, waitFor } from "../support/mqtt.js";
import { hasSocat, ptyPair, type PtyPair } from "../support/socat.js";
import { tempDir } from "../support/temp.js";
import { mqttUrl, resultsFor, runUnitOnPty, type PtyUnit } from "./support.js";

const SITE = "smg-pemuda-01";
const TOPIC = `pantau/v1/${SITE}/102/command`;

describe.skipIf(!hasSocat)("commands across repeats and restarts, over a serial line", () => {
  const dataDir = tempDir("pantau-restart-");
  let pty: PtyPair;
  let gateway: Gateway;
  let sign: PtyUnit;
  /** the sign's uplinks the gateway answered: when, and what */
  const uplinks: Array<{ at: number; type: string }> = [];

  async function start(): Promise<{ sub: Awaited<ReturnType<typeof collect>>; center: MqttClient }> {
    gateway = await startTestGateway({ serial: [{ path: pty.gateway }] }, dataDir);
    gateway.pipeline.prependListener("ack", (req) => req.device.id === 102 && uplinks.push({ at: Date.now(), type: req.envelope.type }));
    await waitFor("gateway port open", () => (gateway.links.get(pty.gateway) as SerialLink).state === "open");
    const sub = await collect(mqttUrl(gateway), `pantau/v1/${SITE}/102/#`);
    const center = await mqtt.connectAsync(mqttUrl(gateway), { reconnectPeriod: 0 });
    return { sub, center };
  }

  beforeAll(async () => {
    pty = await ptyPair();
  });

  afterAll(async () => {
    await sign?.stop();
    await gateway?.stop();
    await pty?.close();
  });

  it("queues a command published twice with the same ref once, and answers the repeat with the earlier result", async () => {
    const { sub, center } = await start();
    // statistics every 10 minutes: the sign says nothing more during this test after its boot status
    sign = await runUnitOnPty(pty.device, {
      identity: { deviceId: 102, key: keyBytes(KEYS.sign), role: "sign" },
      roles: ROLES,
      settings: { limitKmh: 40, blankAboveKmh: 120, statsIntervalS: 600 },
    });
    await waitFor("the sign heard", () => sub.messages.some((m) => m.topic.endsWith("/102/status")));

    const command = JSON.stringify({ op: "setSign", limitKmh: 30, ref: "cc-dup-1" });
    await center.publishAsync(TOPIC, command, { qos: 1 });
    await waitFor("applied", () => resultsFor(sub.messages, SITE, 102).find((r) => r.state === "applied"));
    await center.publishAsync(TOPIC, command, { qos: 1 });
    const repeat = await waitFor("the repeat answered", () => resultsFor(sub.messages, SITE, 102)[2]);
    const results = resultsFor(sub.messages, SITE, 102);
    expect(results.map((r) => r.state)).toEqual(["delivered", "applied", "applied"]);
    expect(repeat.commandId).toBe(results[0]!.commandId);
    expect(repeat.detail).toBe(`repeat of command ${String(results[0]!.commandId)} (ref cc-dup-1): applied by the unit`);
    expect(gateway.store.commandList({ deviceId: 102 })).toHaveLength(1);
    expect(sign.unit.device.commands.stats).toMatchObject({ applied: 1, repeated: 0 });

    // a new ref is a new command
    await center.publishAsync(TOPIC, JSON.stringify({ op: "setSign", limitKmh: 50, ref: "cc-dup-2" }), { qos: 1 });
    await waitFor("the second command applied", () => resultsFor(sub.messages, SITE, 102).filter((r) => r.state === "applied").length === 3);
    expect(gateway.store.commandList({ deviceId: 102 })).toHaveLength(2);
    await center.endAsync();
    await sub.client.endAsync();
  });

  it("sends a command to a serial unit at once after a gateway restart, without waiting for its next uplink", async () => {
    await gateway.stop();
    const { sub, center } = await start();
    const restartedAt = Date.now();
    await center.publishAsync(TOPIC, JSON.stringify({ op: "setSign", limitKmh: 60, ref: "after-restart" }), { qos: 1 });
    const delivered = await waitFor("delivered after the restart", () => resultsFor(sub.messages, SITE, 102).find((r) => r.state === "delivered"), 5000);
    expect(delivered.detail).toBe(`sent over ${pty.gateway}`);
    // nothing the sign sent since the restart opened this chance: the gateway knew where it was
    expect(uplinks.filter((u) => u.at >= restartedAt && u.at <= Date.parse(String(delivered.time)))).toEqual([]);
    await waitFor("applied by the sign", () => sign.unit.device.settings.limitKmh === 60);
    // its result acked before the next test takes the port away (an unacked one is resent after
    // the restart, at least once as it should, which the next test would count)
    await waitFor("the sign's result acked", () => sign.unit.device.queue.length === 0);
    await center.endAsync();
    await sub.client.endAsync();
  });

  it("sends a command left pending across a restart as soon as the serial port is open again", async () => {
    // the port goes away: a command published now cannot go and stays queued
    await (gateway.links.get(pty.gateway) as SerialLink).stop();
    const away = await mqtt.connectAsync(mqttUrl(gateway), { reconnectPeriod: 0 });
    await away.publishAsync(TOPIC, JSON.stringify({ op: "setSign", limitKmh: 70, ref: "while-away" }), { qos: 1 });
    await away.endAsync();
    await waitFor("queued", () => gateway.store.commandList({ deviceId: 102, limit: 1 })[0]?.command.includes("while-away"));
    const pending = gateway.store.commandList({ deviceId: 102, limit: 1 })[0]!;
    expect(pending.state).toBe("queued");

    await gateway.stop();
    const restartedAt = Date.now();
    const { sub, center } = await start();
    // the sign has nothing to report for ten minutes: only the port opening can have sent it
    await waitFor("applied once the port opened", () => gateway.store.command(pending.id)?.state === "applied", 5000);
    expect(sign.unit.device.settings.limitKmh).toBe(70);
    expect(uplinks.filter((u) => u.at >= restartedAt).map((u) => u.type)).toEqual(["commandResult"]);
    await center.endAsync();
    await sub.client.endAsync();
  });
});
