// The latency trace's arithmetic on a run made up to the millisecond: which frames are slow,
// where their time went, and which GC pauses and stalls their way overlapped.
import { describe, expect, it } from "vitest";
import type { Sample } from "../../bench/feed.js";
import type { ProbeData } from "../../bench/latency-probe.js";
import { attribute, traceTable } from "../../bench/latency-trace.js";

// 100 frames of unit 1, one every 10 ms: read 1 ms after written, published 0.5 ms later, at the
// subscriber 0.5 ms after that (2 ms in all). A major GC from 1500 to 1530 ms, during which the
// gateway's thread ran 25 ms and waited 5 for a core, holds frames 50 and 51 (written at 1500 and
// 1510): both are read at 1530, so they take 31 and 21 ms.
const samples: Sample[] = Array.from({ length: 100 }, (_, seq) => {
  const writtenAt = 1000 + seq * 10;
  return { deviceId: 1, seq, writtenAt, arrivedAt: seq === 50 || seq === 51 ? 1531 : writtenAt + 2 };
});
const probe: ProbeData = {
  frames: samples.map((s) => [s.arrivedAt - 1, s.arrivedAt - 0.5, s.deviceId, s.seq]),
  gc: [[1500, 30, "major"], [1200, 1, "minor"], [5000, 3, "minor"]],
  late: [[1500, 30, 25, 5]],
};
const latency = { rate: 100, frames: 100, p50Ms: 2, p99Ms: 21, maxMs: 31 };

describe("latency trace attribution", () => {
  const a = attribute(latency, samples, probe);

  it("takes the frames at or above the p99 as slow, and splits their time into stages", () => {
    expect(a.slow).toBe(2);
    expect(a.stages.median).toEqual({ toGateway: 1, inGateway: 0.5, toSubscriber: 0.5 });
    expect(a.stages.slow).toEqual({ toGateway: 25, inGateway: 0.5, toSubscriber: 0.5 });
  });

  it("counts the GC pauses and stalls the slow frames overlapped", () => {
    expect(a.slowDuringGc).toEqual({ minor: 0, major: 2, incremental: 0, weak: 0 });
    expect(a.slowStalls).toEqual({ ranMs: 25, waitedMs: 5 });
  });

  it("sums the GC of the run only (the pause after its last frame is left out)", () => {
    expect(a.gc.major).toEqual({ count: 1, ms: 30, maxMs: 30 });
    expect(a.gc.minor).toEqual({ count: 1, ms: 1, maxMs: 1 });
    expect(a.gc.incremental.count).toBe(0);
    expect(traceTable([a])).toContain("| 100 | 2 / 21 / 31 | 1 / 0.5 / 0.5 | 25 / 0.5 / 0.5 | 0 / 2 of 2 | 25 / 5 | minor 1 (1 ms, max 1), major 1 (30 ms, max 30) |");
  });

  it("refuses a run the probe did not see whole", () => {
    expect(() => attribute(latency, samples, { ...probe, frames: probe.frames.slice(1) })).toThrow(/no publish of device 1 seq 0/);
  });
});
