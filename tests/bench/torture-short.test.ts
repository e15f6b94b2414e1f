// `npm run torture -- --short`: small counts with at least one fault of each kind. Asserts the
// torture's invariants (every fuzzed frame counted once, every acked report in history exactly
// once), not how fast or how lean anything was.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasSocat } from "../support/socat.js";
import { tempDir } from "../support/temp.js";

describe.skipIf(!hasSocat)("npm run torture -- --short", () => {
  it("counts every fuzzed frame once and loses or repeats nothing acked through unplugs, broker restarts and a SIGKILL", () => {
    const out = join(tempDir("pantau-torture-"), "result.json");
    const run = spawnSync(process.execPath, ["dist/bench/torture/run.js", "--short", "--out", out], { encoding: "utf8", timeout: 170_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("torture passed");
    const { fuzz, soak, failures, machine } = JSON.parse(readFileSync(out, "utf8"));
    expect(failures).toEqual([]);
    expect(machine.loadAverageAtStart).toHaveLength(3);

    expect(fuzz.frames).toBe(20_000);
    expect(fuzz.countedTotal).toBe(fuzz.frames);
    expect(Object.values(fuzz.made as Record<string, number>).reduce((s, n) => s + n, 0)).toBe(fuzz.frames);
    expect(fuzz.escaped).toBe(0);
    // every kind of damage reached the gateway, and each kind of refusal was seen
    for (const outcome of ["accepted", "framing", "cbor", "mic", "replay", "range", "role", "unknown-device", "type", "version"]) {
      expect(fuzz.counted[outcome], outcome).toBeGreaterThan(0);
    }
    for (const at of ["start", "middle", "end"]) expect(fuzz.rssMiB[at]).toBeGreaterThan(0);

    expect(soak.faults.unplugs).toBeGreaterThanOrEqual(1);
    expect(soak.faults.brokerRestarts).toBeGreaterThanOrEqual(1);
    expect(soak.faults.kills).toBeGreaterThanOrEqual(1);
    expect(soak.reports).toBeGreaterThan(1000);
    expect(soak.unacked).toBe(0);
    expect(soak.acked).toBe(soak.reports);
    expect(soak.stored).toBe(soak.reports);
    expect(soak.missing).toBe(0);
    expect(soak.unexpected).toBe(0);
    expect(soak.duplicates).toBe(0);
    expect(soak.rssMiB.lives.length).toBe(soak.faults.kills + 1);
  }, 180_000);
});
