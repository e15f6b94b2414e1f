// A unit on Wi-Fi: it publishes its envelope frames to pantau/raw/{id} as an MQTT `device` user
// and gets its acks on pantau/raw/{id}/down; the frames take the same path as serial ones.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { decode } from "../../shared/cbor.js";
import { micMatches, openEnvelope, parseEnvelope, splitFrame, type AnyEnvelope } from "../../shared/envelope.js";
import type { Gateway } from "../../gateway/gateway.js";
import { hashPassword } from "../../gateway/security/scrypt.js";
import { KEYS, keyBytes } from "../support/fleet.js";
import { startTestGateway } from "../support/gateway.js";
import { collect, waitFor } from "../support/mqtt.js";
import { expectOfficialModels } from "../support/fiware.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";

describe("units on Wi-Fi through the raw topic", () => {
  let gateway: Gateway;
  let unit: MqttClient;
  const downlinks: AnyEnvelope[] = [];

  beforeAll(async () => {
    const users = [{ username: "101", role: "device" as const, passwordHash: await hashPassword("loop-101-secret") }];
    gateway = await startTestGateway({ security: { users } });
    unit = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.broker.port}`, { username: "101", password: "loop-101-secret", reconnectPeriod: 0 });
    unit.on("message", (_topic, payload) => {
      const split = splitFrame(Uint8Array.from(payload));
      expect(micMatches(keyBytes(KEYS.loop), split)).toBe(true);
      downlinks.push(openEnvelope(parseEnvelope(decode(split.signed))));
    });
    await unit.subscribeAsync("pantau/raw/101/down", { qos: 1 });
  });

  afterAll(async () => {
    await unit?.endAsync();
    await gateway?.stop();
  });

  it("publishes the reading and acks the unit on its down topic", async () => {
    const sub = await collect(`mqtt://127.0.0.1:${gateway.broker.port}`, "pantau/v1/#");
    const loop = new ScriptedDevice(101, KEYS.loop);
    await unit.publishAsync("pantau/raw/101", Buffer.from(loop.frame("loopInterval", SAMPLE_BODIES.loopInterval)), { qos: 1 });
    const reading = await waitFor("traffic", () => sub.messages.find((m) => m.topic === "pantau/v1/smg-pemuda-01/101/traffic"));
    expect(reading.payload).toMatchObject({ intensity: 23, laneId: 1 });
    await waitFor("ack", () => downlinks.find((d) => d.type === "ack"));
    expect(downlinks[0]).toMatchObject({ type: "ack", deviceId: 101, body: { seq: 0, result: 0 } });
    await sub.client.endAsync();
    expectOfficialModels("Wi-Fi unit", sub.messages);
  });

  it("refuses another unit's frame on this unit's topic, even one signed with the right key", async () => {
    const before = gateway.pipeline.counts.envelope;
    const sign = new ScriptedDevice(102, KEYS.sign);
    await unit.publishAsync("pantau/raw/101", Buffer.from(sign.frame("signStats", SAMPLE_BODIES.signStats)), { qos: 1 });
    await waitFor("counted", () => gateway.pipeline.counts.envelope === before + 1);
    expect(gateway.store.history({ deviceId: 102 })).toHaveLength(0);
  });
});
