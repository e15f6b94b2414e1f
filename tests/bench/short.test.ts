// The short bench runs end to end (PTY, gateway, subscriber, aedes alone) and writes a result
// file of the documented shape. It checks that the bench works, not how fast anything is.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasSocat } from "../support/socat.js";
import { tempDir } from "../support/temp.js";

describe.skipIf(!hasSocat)("npm run bench -- --short", () => {
  it("writes the machine, the load, the user path figures and the ratio, all positive", () => {
    const out = join(tempDir("pantau-bench-"), "result.json");
    const run = spawnSync(process.execPath, ["dist/bench/run.js", "--short", "--out", out], { encoding: "utf8", timeout: 170_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("| path | frames/s offered | frames | p50 ms | p99 ms | max ms |");
    const result = JSON.parse(readFileSync(out, "utf8"));
    expect(result.short).toBe(true);
    expect(result.machine).toMatchObject({ cpu: expect.any(String), cores: expect.any(Number), memoryGiB: expect.any(Number), node: process.version });
    expect(result.machine.loadAverageAtStart).toHaveLength(3);
    expect(result.loadAverageAtEnd).toHaveLength(3);
    const { userPath } = result;
    expect(userPath.rounds).toBe(1);
    expect(userPath.perRound.full).toHaveLength(1);
    for (const figure of [userPath.throughput.full, userPath.throughput.aedes, userPath.ratios.fullOverAedes]) expect(figure).toBeGreaterThan(0);
    expect(userPath.latency.full.map((l: { rate: number }) => l.rate)).toEqual([100, 1000]);
    for (const l of userPath.latency.full) {
      expect(l.frames).toBeGreaterThan(0);
      expect(l.p50Ms).toBeGreaterThan(0);
      expect(l.p99Ms).toBeGreaterThanOrEqual(l.p50Ms);
      expect(l.maxMs).toBeGreaterThanOrEqual(l.p99Ms);
    }
    // per role: what its firmware cost on XS and what its frames cost on the air
    expect(result.firmwareCost.map((c: { role: string }) => c.role)).toEqual(["loop", "sign", "flood", "bridge"]);
    for (const c of result.firmwareCost) {
      for (const figure of [c.computePerHour, c.allocatedBytes, c.peakHeapSlots, c.liveHeapSlots, c.framesPerHour]) expect(figure).toBeGreaterThan(0);
      expect(c.liveHeapSlots).toBeLessThanOrEqual(c.peakHeapSlots);
    }
    const types = result.air.map((a: { role: string; type: string }) => `${a.role} ${a.type}`);
    for (const t of ["loop loopInterval", "sign signStats", "flood floodReport", "bridge status"]) expect(types).toContain(t);
    for (const a of result.air) {
      expect(a.meanBytes).toBeLessThan(a.jsonBytes);
      expect(a.lppCannot).toEqual(expect.arrayContaining(["boot", "timeS"]));
      expect(Object.keys(a.airtimeMs)).toEqual(["SF7", "SF10", "SF12"]);
      expect(a.airtimeMs.SF7).toBeLessThan(a.airtimeMs.SF12);
      expect(a.reportsPerHour.SF7).toBeGreaterThan(a.reportsPerHour.SF12);
    }
    // the gateway's own process: its start, its memory, and its store holding every frame sent
    expect(userPath.gateway.startMs).toBeGreaterThan(0);
    expect(userPath.gateway.rssPeakMiB).toBeGreaterThanOrEqual(userPath.gateway.rssIdleMiB);
    expect(userPath.disk.readings).toBe(300 + 30 + 300);
    expect(userPath.disk.bytesPerReading).toBeGreaterThan(0);
    expect(userPath.scale).toEqual([expect.objectContaining({ devices: 1000 })]);
    for (const s of userPath.scale) for (const v of Object.values(s)) expect(v).toBeGreaterThan(0);
  }, 180_000);

  it("--latency-trace: every frame's read and live publish seen by the probe, and where the slow ones' time went", () => {
    const dir = join(tempDir("pantau-trace-"), "made-by-the-bench");
    const run = spawnSync(process.execPath, ["dist/bench/run.js", "--short", "--latency-trace", dir], { encoding: "utf8", timeout: 120_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("| frames/s | p50 / p99 / max ms |");
    // attribute() throws if the probe missed a frame the subscriber got, so a result is every frame matched
    const [trace] = JSON.parse(readFileSync(join(dir, "latency-trace.json"), "utf8")).trace;
    expect(trace).toMatchObject({ rate: 1000, frames: 300 });
    expect(trace.slow).toBeGreaterThan(0);
    for (const stages of [trace.stages.median, trace.stages.slow]) {
      // read before published, published before it arrived
      expect(stages.inGateway).toBeGreaterThanOrEqual(0);
      expect(stages.toSubscriber).toBeGreaterThan(0);
      expect(stages.toGateway + stages.inGateway + stages.toSubscriber).toBeGreaterThan(0);
    }
  }, 120_000);
});
