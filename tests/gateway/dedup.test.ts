// One LoRa packet heard by two bridges is one reading: published once, stored once, and both
// bridges answer so the device stops resending. A restarted gateway still refuses old frames.

import { afterAll, describe, expect, it } from "vitest";
import { encodeRelayUp, decodeRelayDown, RELAY_DOWN } from "../../shared/relay.js";
import { decode } from "../../shared/cbor.js";
import { openEnvelope, parseEnvelope, splitFrame } from "../../shared/envelope.js";
import type { Gateway } from "../../gateway/gateway.js";
import { receiveRecord, type Link } from "../../gateway/ingest/link.js";
import { KEYS } from "../support/fleet.js";
import { startTestGateway } from "../support/gateway.js";
import { collect, waitFor } from "../support/mqtt.js";
import { expectOfficialModels } from "../support/fiware.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { tempDir } from "../support/temp.js";

/** A bridge's serial link as the gateway sees it, recording what the gateway hands it to transmit. */
class RecordingBridge implements Link {
  readonly kind = "relay" as const;
  readonly state = "open" as const;
  readonly sent: Uint8Array[] = [];
  constructor(readonly name: string) {}
  send(frame: Uint8Array): boolean {
    this.sent.push(frame);
    return true;
  }
  async stop(): Promise<void> {}
}

const ackOf = (record: Uint8Array) => {
  expect(record[0]).toBe(RELAY_DOWN);
  const env = openEnvelope(parseEnvelope(decode(splitFrame(decodeRelayDown(record)).signed)));
  return env.type === "ack" ? env.body.result : -1;
};

describe("dedup across paths and restarts", () => {
  const dataDir = tempDir("pantau-dedup-");
  let gateway: Gateway | undefined;
  afterAll(async () => {
    await gateway?.stop();
  });

  it("publishes a packet heard by two bridges once and acks it on both", async () => {
    gateway = await startTestGateway({}, dataDir);
    const sub = await collect(`mqtt://127.0.0.1:${gateway.broker.port}`);
    const north = new RecordingBridge("bridge-north");
    const south = new RecordingBridge("bridge-south");
    gateway.addLink(north);
    gateway.addLink(south);
    const flood = new ScriptedDevice(103, KEYS.flood);
    flood.boot = 9;
    const packet = flood.frame("floodReport", SAMPLE_BODIES.floodReport);
    receiveRecord(north, encodeRelayUp({ rssiDbm: -101, snrDb10: 75, packet }), gateway);
    receiveRecord(south, encodeRelayUp({ rssiDbm: -117, snrDb10: -35, packet }), gateway);
    await waitFor("both acked", () => north.sent.length === 1 && south.sent.length === 1);
    expect([ackOf(north.sent[0]!), ackOf(south.sent[0]!)].sort()).toEqual([0, 1]); // one stored, one duplicate
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.messages.filter((m) => m.topic.endsWith("/103/flood"))).toHaveLength(1);
    expect(gateway.store.history({ deviceId: 103 })).toHaveLength(1);
    await sub.client.endAsync();
    expectOfficialModels("two bridges", sub.messages);
    await gateway.stop();
    gateway = undefined;
  });

  it("still refuses that frame after a restart, and still takes the device's reboot", async () => {
    gateway = await startTestGateway({}, dataDir);
    const bridge = new RecordingBridge("bridge-north");
    gateway.addLink(bridge);
    const flood = new ScriptedDevice(103, KEYS.flood);
    flood.boot = 9;
    const old = flood.frame("floodReport", SAMPLE_BODIES.floodReport);
    expect(await gateway.pipeline.handleFrame(old, { source: bridge.name, radio: { rssiDbm: -100, snrDb10: 50 } })).toBe("replay");
    flood.reboot();
    expect(await gateway.pipeline.handleFrame(flood.frame("floodReport", SAMPLE_BODIES.floodReport), { source: bridge.name })).toBe("accepted");
    expect(gateway.store.history({ deviceId: 103 }).map((r) => `${r.boot}:${r.seq}`)).toEqual(["9:0", "10:0"]);
  });
});
