// 24 simulated hours of the sign role on XS: the live heap after a full garbage collection must
// not grow from the first hour to the last (bounded buffers, nothing kept per vehicle).

import { afterAll, beforeAll, expect, it } from "vitest";
import { startXs, type XsMeter, type XsSession } from "../xs/harness.js";
import { MAX_AIR_FRAME } from "../../shared/messages.js";
import type { RunResult } from "./fixtures/sign-entry.js";
import { decodeFrames, signKey } from "./fixtures/sign-analysis.js";

const HOUR = 3600_000;
let xs: XsSession;

beforeAll(async () => {
  xs = await startXs("tests/firmware/fixtures/sign-entry.ts", { meteringLimit: 0 });
});

afterAll(async () => {
  await xs?.close();
});

it("runs 24 simulated hours on XS without heap growth", { timeout: 600_000 }, async () => {
  await xs.call("setup", {
    key: signKey(),
    settings: { radarModel: "ld2415", limitKmh: 40, statsIntervalS: 300 },
    radar: { model: "ld2415", seed: 7 },
    traffic: { random: { seed: 8, meanIdleMs: 45_000, meanSpeedKmh: 42, sdSpeedKmh: 12, outbound: 0.3 } },
  });
  const samples: Record<string, { hour: number; compute: number; allocate: number; currentHeapCount: number; liveHeapCount: number }> = {};
  let vehicles = 0;
  let counted = 0;
  let frames = 0;
  for (let hour = 1; hour <= 24; hour++) {
    const { value, meter } = await xs.call<RunResult>("run", HOUR);
    vehicles += value.vehicles.filter((v) => v.approaching).length;
    for (const f of decodeFrames(value.frames)) {
      expect(f.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
      if (f.env.type === "signStats") counted += f.env.body.count;
      frames++;
    }
    if (hour === 1 || hour === 12 || hour === 24) {
      const live: XsMeter = await xs.gc();
      samples[`hour ${hour}`] = {
        hour, compute: meter.compute, allocate: meter.allocate, currentHeapCount: meter.currentHeapCount,
        liveHeapCount: live.currentHeapCount,
      };
    }
  }
  const first = samples["hour 1"]!;
  const middle = samples["hour 12"]!;
  const last = samples["hour 24"]!;
  console.log(`sign 24 h on XS: ${JSON.stringify({ samples, vehicles, counted, frames })}`);
  expect(frames).toBeGreaterThanOrEqual(288);
  expect(Math.abs(counted - vehicles)).toBeLessThanOrEqual(1);
  expect(last.liveHeapCount).toBeLessThanOrEqual(first.liveHeapCount * 1.02);
  expect(last.liveHeapCount).toBeLessThanOrEqual(middle.liveHeapCount * 1.02);
  // the XS machine took no more memory from the system after the first hour
  expect(last.allocate).toBe(first.allocate);
});
