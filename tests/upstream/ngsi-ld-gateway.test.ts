// A gateway configured with an NGSI-LD sender (`upstream.ngsiLd`, one entry in the config) upserts
// what its units report to the context broker, beside the embedded MQTT broker.

import { afterAll, describe, expect, it } from "vitest";
import type { Gateway } from "../../gateway/gateway.js";
import { DEFAULT_CONTEXT } from "../../gateway/upstream/ngsi-ld-entity.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { expectOfficialModels } from "../support/fiware.js";
import { KEYS } from "../support/fleet.js";
import { startTestGateway } from "../support/gateway.js";
import { freePort } from "../support/mosquitto.js";
import { waitFor } from "../support/mqtt.js";
import { keyValues, NgsiLdBroker } from "../support/ngsi-ld-broker.js";

describe("gateway with an NGSI-LD sender", () => {
  let gateway: Gateway | undefined;
  let broker: NgsiLdBroker | undefined;
  afterAll(async () => {
    await gateway?.stop();
    await broker?.stop();
  });

  it("upserts every reading, alarm and status of its units, in order, as the API requires", async () => {
    broker = new NgsiLdBroker(await freePort(), { context: DEFAULT_CONTEXT, authorization: "Bearer t0ken", tenant: "semarang" });
    await broker.start();
    gateway = await startTestGateway({ upstream: { ngsiLd: { url: broker.url, token: "t0ken", tenant: "semarang", pollMs: 50 } } });
    const loop = new ScriptedDevice(101, KEYS.loop);
    const flood = new ScriptedDevice(103, KEYS.flood);
    const frames = [
      loop.frame("loopInterval", SAMPLE_BODIES.loopInterval),
      loop.frame("status", SAMPLE_BODIES.status),
      flood.frame("floodReport", SAMPLE_BODIES.floodReport),
      flood.frame("floodAlarm", SAMPLE_BODIES.floodAlarm),
    ];
    for (const f of frames) expect(await gateway.pipeline.handleFrame(f, { source: "test" })).toBe("accepted");

    // settled when the sender has the broker's answer, a moment after the broker has the entities
    const settled = () => gateway!.senders[0]!.stats() as { delivered: number; rejected: number };
    await waitFor("four entities settled", () => settled().delivered + settled().rejected >= 4, 10_000);
    expect(broker.violations).toEqual([]);
    expect(broker.accepted.map((e) => e.type)).toEqual(["TrafficFlowObserved", "Device", "FloodMonitoring", "Alert"]);
    const kinds = ["traffic", "status", "flood", "alarm"];
    const topics = broker.accepted.map((e, i) => ({ topic: `pantau/v1/site/unit/${kinds[i]}`, payload: keyValues(e) }));
    expectOfficialModels("gateway to NGSI-LD", topics);
    expect(gateway.senders.map((s) => s.name)).toEqual(["ngsiLd"]);
    expect(gateway.senders[0]!.stats()).toMatchObject({ reachable: true, delivered: 4, rejected: 0 });
  });
});
