// Issue 11, item 5: the outbox bound holds at every commit. A burst of frames into a gateway whose
// command center is away never holds more than `maxRows`, and the alarm in the burst stays.

import { afterAll, beforeAll, expect, it } from "vitest";
import type { Gateway } from "../../gateway/gateway.js";
import { KEYS } from "../support/fleet.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { startTestGateway } from "../support/gateway.js";

const BOUND = 50;
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startTestGateway({ store: { outbox: { maxRows: BOUND } } });
});

afterAll(async () => {
  await gateway.stop();
});

it("never holds more than the row bound during a burst, and keeps its alarm", async () => {
  let most = 0;
  gateway.pipeline.on("ack", () => {
    most = Math.max(most, gateway.store.outboxDepth().rows);
  });
  const loop = new ScriptedDevice(101, KEYS.loop);
  const flood = new ScriptedDevice(103, KEYS.flood);
  const frames = Array.from({ length: 320 }, (_, i) =>
    i === 100 ? flood.frame("floodAlarm", SAMPLE_BODIES.floodAlarm) : loop.frame("loopInterval", SAMPLE_BODIES.loopInterval));
  // all in flight at once, as from many links: the pipeline batches them into a few commits
  const outcomes = await Promise.all(frames.map((f) => gateway.pipeline.handleFrame(f, { source: "burst" })));
  expect(outcomes.every((o) => o === "accepted")).toBe(true);
  expect(most).toBeLessThanOrEqual(BOUND);
  expect(gateway.store.outboxDepth()).toMatchObject({ rows: BOUND, alarms: 1 });
  expect(gateway.store.counters().outboxDropped).toBe(320 - BOUND);
  // the history keeps every reading: only the outbox is bounded
  expect(gateway.store.history({ limit: 10_000 })).toHaveLength(320);
});
