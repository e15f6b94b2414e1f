// A command to a flood station that is reachable only over LoRa: the station and the bridge run
// the real firmware on a simulated radio channel, the bridge's host port is a link of an
// in-process gateway. The station listens only in the receive window after each of its uplinks.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { validateResult } from "../../gateway/commands/translate.js";
import { resolveConfig } from "../../gateway/config.js";
import { attachRanger } from "../../gateway/demo/physics.js";
import { SimLink } from "../../gateway/demo/sim-link.js";
import { Gateway } from "../../gateway/gateway.js";
import { createLogger } from "../../gateway/log.js";
import { Registry } from "../../gateway/registry/registry.js";
import { loadSettings } from "../../firmware/core/identity.js";
import type { LoRaUplink } from "../../firmware/core/link.js";
import { ROLES } from "../../firmware/roles/index.js";
import { startSimDevice, type SimDevice } from "../../firmware/sim/run-device.js";
import { advanceTogether, SimAir, type SimRadio } from "../../firmware/sim/sim-air.js";
import { MemoryStorage, SimPlatform } from "../../firmware/sim/sim-platform.js";
import { KEYS, keyBytes, TEST_DEVICES } from "../support/fleet.js";
import { collect, waitFor } from "../support/mqtt.js";
import { expectOfficialModels } from "../support/fiware.js";
import { mqttUrl, resultsFor } from "./support.js";
import { tempDir } from "../support/temp.js";

const SITE = "smg-kali-semarang-02";
const BRIDGE_KEY = "303132333435363738393a3b3c3d3e3f";
/** simulated milliseconds per real one: the station reports every 30 s, i.e. every 6 s here */
const SPEED = 5;

describe("a command to a flood station over LoRa", () => {
  let gateway: Gateway;
  let sub: Awaited<ReturnType<typeof collect>>;
  let center: MqttClient;
  let station: SimDevice;
  let bridge: SimDevice;
  let clock: NodeJS.Timeout;
  const uplinksAt: number[] = [];

  beforeAll(async () => {
    const registry = new Registry([
      ...TEST_DEVICES,
      { id: 900, role: "bridge", key: BRIDGE_KEY, site: "smg-gateway-01", name: "bridge", location: { lat: -6.97, lon: 110.42 } },
    ]);
    const config = resolveConfig({ mqtt: { port: 0 }, http: { port: 0 }, dataDir: tempDir("pantau-gw-") }, process.cwd());
    gateway = await Gateway.start(config, registry, createLogger("silent"), { demo: true });
    // before the gateway's own listener, which sends the pending command
    gateway.pipeline.prependListener("ack", (req) => req.device.id === 103 && req.origin.radio && uplinksAt.push(Date.now()));
    sub = await collect(mqttUrl(gateway), `pantau/v1/${SITE}/103/#`);
    center = await mqtt.connectAsync(mqttUrl(gateway), { reconnectPeriod: 0 });

    const air = new SimAir();
    const link = new SimLink("sim:bridge", "relay", gateway);
    const bridgePlatform = new SimPlatform(new MemoryStorage());
    bridge = startSimDevice({
      platform: bridgePlatform, identity: { deviceId: 900, key: keyBytes(BRIDGE_KEY), role: "bridge" }, roles: ROLES, link: "serial",
      air, radio: { rssiDbm: -60, snrDb10: 90 }, onHostWrite: (bytes) => link.receive(bytes),
    });
    link.connect(bridge);
    gateway.addLink(link);
    const stationPlatform = new SimPlatform(new MemoryStorage());
    attachRanger(stationPlatform, 7, 4200);
    station = startSimDevice({
      platform: stationPlatform, identity: { deviceId: 103, key: keyBytes(KEYS.flood), role: "flood" }, roles: ROLES, link: "lora",
      settings: { referenceMm: 4200, alertMm: 1500, dangerMm: 2500, reportIntervalS: 30, fastIntervalS: 30, statusS: 600 },
      air, radio: { rssiDbm: -105, snrDb10: 40 },
    });
    let last = Date.now();
    clock = setInterval(() => {
      const now = Date.now();
      advanceTogether([bridgePlatform, stationPlatform], Math.min(now - last, 1000) * SPEED, 20);
      last = now;
    }, 10);
    await waitFor("the station heard over LoRa", () => uplinksAt.length > 0);
  }, 20_000);

  afterAll(async () => {
    clearInterval(clock);
    await center?.endAsync();
    await sub?.client.endAsync();
    await gateway?.stop();
    station?.stop();
    bridge?.stop();
  });

  it("goes out right after the station's next uplink, inside its receive window, and is applied", async () => {
    const publishedAt = Date.now();
    await center.publishAsync(`pantau/v1/${SITE}/103/command`, JSON.stringify({ op: "setFlood", alertMm: 1700, dangerMm: 2700 }), { qos: 1 });
    const applied = await waitFor("applied", () => resultsFor(sub.messages, SITE, 103).find((r) => r.state === "applied"), 25_000);
    const results = resultsFor(sub.messages, SITE, 103);
    expect(results.map((r) => r.state)).toEqual(["delivered", "applied"]);
    for (const r of results) expect(validateResult(r), JSON.stringify(validateResult.errors)).toBe(true);
    expect(results[0]!.detail).toBe("sent over LoRa via the bridge on sim:bridge");
    // not at once, but as soon as the station's next uplink had opened a receive window
    const deliveredAt = Date.parse(String(results[0]!.time));
    const nextUplink = uplinksAt.find((t) => t >= publishedAt);
    expect(nextUplink).toBeDefined();
    expect(deliveredAt - nextUplink!).toBeGreaterThanOrEqual(0);
    expect(deliveredAt - nextUplink!).toBeLessThan(100);

    expect(station.device.commands.stats).toMatchObject({ applied: 1, stale: 0 });
    expect(station.device.settings).toMatchObject({ alertMm: 1700, dangerMm: 2700 });
    expect(loadSettings(station.platform.storage)).toMatchObject({ alertMm: 1700, dangerMm: 2700 });
    expect(gateway.store.command(applied.commandId as number)?.state).toBe("applied");
  }, 30_000);

  it("lands the command and the ack in the same receive window, so no uplink misses its ack", async () => {
    await waitFor("queue drained", () => station.device.queue.length === 0, 15_000);
    const link = station.device.link as LoRaUplink;
    expect(link.kind).toBe("lora");
    expect(link.outsideWindow).toBe(0);
    expect((station.platform.radio as SimRadio).lostPackets).toBe(0);
    expect(station.device.uplink.missedAcks).toBe(0);
    expect(station.device.stats).toMatchObject({ downlinkErrors: 0, staleAcks: 0 });
    expect(station.device.uplink.acked).toBe(station.device.uplink.sent);
  }, 20_000);

  it("published only messages that follow their official Smart Data Models", () => {
    expectOfficialModels("flood commands over LoRa", sub.messages);
  });
});
