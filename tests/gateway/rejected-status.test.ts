// A unit's refused frames reach its retained status: framesRejected counts the authentic frames
// the gateway refused (resends, out-of-range values), not forgeries that merely name the unit.

import { afterAll, beforeAll, expect, it } from "vitest";
import { encode } from "../../shared/cbor.js";
import { computeMic } from "../../shared/envelope.js";
import { PROTOCOL_VERSION } from "../../shared/messages.js";
import type { Gateway } from "../../gateway/gateway.js";
import { KEYS, keyBytes } from "../support/fleet.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { startTestGateway } from "../support/gateway.js";
import { collect, waitFor } from "../support/mqtt.js";

let gateway: Gateway;
let sub: Awaited<ReturnType<typeof collect>>;
const origin = { source: "test" };

beforeAll(async () => {
  gateway = await startTestGateway();
  sub = await collect(`mqtt://127.0.0.1:${gateway.broker.port}`, "pantau/v1/+/101/status");
});

afterAll(async () => {
  await sub.client.endAsync();
  await gateway.stop();
});

it("reports a unit's refused frames in its retained status, and not a forger's", async () => {
  const loop = new ScriptedDevice(101, KEYS.loop);
  const first = loop.frame("loopInterval", SAMPLE_BODIES.loopInterval);
  expect(await gateway.pipeline.handleFrame(first, origin)).toBe("accepted");
  expect(await gateway.pipeline.handleFrame(first, origin)).toBe("replay");
  // 500 % occupancy, signed with the unit's key: the device encoder refuses it, so built by hand
  const signed = encode([PROTOCOL_VERSION, 101, loop.boot, 52, loop.seq++, 0, new Map<number, unknown>([[1, 0], [2, 60], [3, 9], [4, 5000], [7, [9]]])]);
  const absurd = Uint8Array.of(...signed, ...computeMic(keyBytes(KEYS.loop), signed));
  expect(await gateway.pipeline.handleFrame(absurd, origin)).toBe("range");
  const forger = new ScriptedDevice(101, KEYS.stranger);
  expect(await gateway.pipeline.handleFrame(forger.frame("loopInterval", SAMPLE_BODIES.loopInterval), origin)).toBe("mic");

  expect(await gateway.pipeline.handleFrame(loop.frame("status", SAMPLE_BODIES.status), origin)).toBe("accepted");
  const live = await waitFor("status", () => sub.messages.at(-1));
  expect(live.payload).toMatchObject({ deviceId: 101, framesReceived: 2, framesRejected: 2 });
  // and a dashboard that connects later gets the same, retained
  const late = await collect(`mqtt://127.0.0.1:${gateway.broker.port}`, "pantau/v1/+/101/status");
  const retained = await waitFor("retained status", () => late.messages.at(-1));
  await late.client.endAsync();
  expect(retained.retain).toBe(true);
  expect(retained.payload).toMatchObject({ framesRejected: 2 });
  expect(gateway.health.snapshot(101)).toMatchObject({ framesRejected: 2 });
});
