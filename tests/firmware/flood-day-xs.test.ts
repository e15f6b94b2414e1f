// 24 simulated hours of the flood role on XS, through a whole flood wave: the live heap after a
// full garbage collection must not grow from the first hour to the last.

import { afterAll, beforeAll, expect, it } from "vitest";
import { startXs, type XsSession } from "../xs/harness.js";
import { decode } from "../../shared/cbor.js";
import { parseEnvelope, splitFrame } from "../../shared/envelope.js";
import { MAX_AIR_FRAME } from "../../shared/messages.js";
import type { FloodRun } from "./fixtures/flood-entry.js";

const HOUR = 3600_000;
let xs: XsSession;

beforeAll(async () => {
  xs = await startXs("tests/firmware/fixtures/flood-entry.ts", { meteringLimit: 0 });
});

afterAll(async () => {
  await xs?.close();
});

it("runs 24 simulated hours on XS without heap growth", { timeout: 600_000 }, async () => {
  await xs.call("setup", {
    key: Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i),
    settings: { alertMm: 1000, dangerMm: 1500, hysteresisMm: 30 },
    sensor: "maxbotix", seed: 17, heightMm: 3000, spikes: 0.01, obstructionsPerHour: 10,
    temperature: { meanC: 28, swingC: 7 },
    level: { wave: { baseMm: 500, peakMm: 1800, startMs: 4 * HOUR, riseMs: 3 * HOUR, fallMs: 8 * HOUR } },
  });
  const samples: Record<string, { compute: number; allocate: number; currentHeapCount: number; liveHeapCount: number }> = {};
  let frames = 0;
  let alarms = 0;
  for (let hour = 1; hour <= 24; hour++) {
    const { value, meter } = await xs.call<FloodRun>("run", HOUR);
    for (const f of value.frames) expect(f.bytes.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
    frames += value.frames.length;
    alarms += value.frames.filter((f) => parseEnvelope(decode(splitFrame(f.bytes).signed)).type === "floodAlarm").length;
    if (hour === 1 || hour === 12 || hour === 24) {
      const live = await xs.gc();
      samples[`hour ${hour}`] = { compute: meter.compute, allocate: meter.allocate, currentHeapCount: meter.currentHeapCount, liveHeapCount: live.currentHeapCount };
    }
  }
  console.log(`flood 24 h on XS: ${JSON.stringify({ samples, frames, alarms })}`);
  const first = samples["hour 1"]!;
  const middle = samples["hour 12"]!;
  const last = samples["hour 24"]!;
  expect(frames).toBeGreaterThan(288);
  expect(alarms).toBe(4);
  expect(last.liveHeapCount).toBeLessThanOrEqual(first.liveHeapCount * 1.02);
  expect(last.liveHeapCount).toBeLessThanOrEqual(middle.liveHeapCount * 1.02);
  expect(last.allocate).toBe(first.allocate);
});
