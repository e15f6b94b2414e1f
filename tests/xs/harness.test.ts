import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as onNode from "./fixtures/echo-entry.js";
import { bundleForXs, startXs, XsError, xsnapWorkerBinary, type XsSession } from "./harness.js";

const ENTRY = new URL("./fixtures/echo-entry.ts", import.meta.url).pathname;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("XS harness", () => {
  let xs: XsSession;
  let firstCycleMs = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    const first = await startXs(ENTRY, { name: "first-cycle" });
    await first.close();
    firstCycleMs = performance.now() - t0;
    xs = await startXs(ENTRY);
  });

  afterAll(async () => {
    await xs?.close();
  });

  it("finds the native worker binary", () => {
    expect(xsnapWorkerBinary()).toMatch(/xsnap-worker$/);
  });

  it("round-trips numbers, strings, nested objects, Uint8Array, Map and bigint", async () => {
    const args = [
      0,
      -17,
      2 ** 53 - 1,
      1.5,
      "plain",
      "héllo ☃ 😀 日本",
      { a: [1, { b: new Uint8Array([0, 1, 127, 128, 255]) }], empty: {}, none: null },
      new Uint8Array(0),
      new Map<unknown, unknown>([[1, "one"], [-2, new Uint8Array([9])]]),
      2n ** 64n + 1n,
      true,
    ];
    const { value } = await xs.call<unknown[]>("echo", ...args);
    expect(value).toStrictEqual(args);
    expect(value[7]).toBeInstanceOf(Uint8Array);
    expect(value[8]).toBeInstanceOf(Map);
  });

  it("carries what JSON cannot: NaN, ±Infinity, -0, undefined", async () => {
    const args = [NaN, Infinity, -Infinity, -0, undefined, [undefined, 1], { u: undefined }];
    const { value } = await xs.call<unknown[]>("echo", ...args);
    expect(value).toStrictEqual(args);
    expect(Object.is(value[3], -0)).toBe(true);
    expect(value[6]).toHaveProperty("u");
  });

  it("returns values computed on XS, Uint8Array results included", async () => {
    const { value } = await xs.call("describeBytes", new Uint8Array([1, 2, 3, 250]), "frame");
    expect(value).toStrictEqual({
      label: "frame:4",
      length: 4,
      sum: 256,
      reversed: new Uint8Array([250, 3, 2, 1]),
      stats: { first: 1, last: 250 },
    });
  });

  it("surfaces an exception thrown on XS as a rejection with its message and XS stack", async () => {
    const failure = xs.call("fail", "sensor on fire");
    await expect(failure).rejects.toBeInstanceOf(XsError);
    await expect(failure).rejects.toThrow("fail() threw on XS: RangeError: sensor on fire");
    const error = (await failure.catch((e: unknown) => e)) as XsError;
    expect(error.xsName).toBe("RangeError");
    expect(error.xsMessage).toBe("sensor on fire");
    expect(error.xsStack).toMatch(/at fail/);
  });

  it("rejects calls to missing exports and to async exports", async () => {
    await expect(xs.call("noSuchFunction")).rejects.toThrow('no exported function "noSuchFunction"');
    await expect(xs.call("later")).rejects.toThrow("only calls synchronous exports");
  });

  it("keeps working after an exception", async () => {
    await expect(xs.call("fail", "once")).rejects.toThrow("once");
    expect((await xs.call("add", 2, 3)).value).toBe(5);
  });

  it("really runs on XS, not on Node", async () => {
    const { value: facts } = await xs.call("engineFacts");
    expect(facts).toStrictEqual({
      process: "undefined",
      Buffer: "undefined",
      captureStackTrace: "undefined", // a V8-only API
      print: "function", // xsnap's host function
      harden: "function",
      TextEncoder: "undefined", // hidden by the harness, as on the device
    });
    const nodeFacts = onNode.engineFacts();
    expect(nodeFacts.process).toBe("object");
    expect(nodeFacts.captureStackTrace).toBe("function");
  });

  it("reports the meter figures of each call", async () => {
    const { meter } = await xs.call("add", 1, 2);
    expect(meter.meterType).toMatch(/^xs-meter-/);
    for (const figure of [meter.compute, meter.allocate, meter.currentHeapCount]) {
      expect(Number.isInteger(figure)).toBe(true);
      expect(figure).toBeGreaterThan(0);
    }
    expect(meter.timestamps).toHaveLength(2);
    expect(meter.timestamps[1]).toBeGreaterThanOrEqual(meter.timestamps[0]!);
  });

  it("meters compute by the work done on XS", async () => {
    const small = await xs.call("spin", 10);
    const large = await xs.call("spin", 10_000);
    expect(small.value).toBe(onNode.spin(10));
    expect(large.value).toBe(onNode.spin(10_000));
    expect(large.meter.compute - small.meter.compute).toBeGreaterThan(10_000);
  });

  it("keeps the live heap flat over 1000 calls of an allocation-free function", async () => {
    await xs.call("add", 0, 0); // first call of a function may create lasting caches
    const before = await xs.gc();
    for (let i = 0; i < 1000; i++) await xs.call("add", i, 1);
    const after = await xs.gc();
    // Without a collection the count climbs (each call leaves ~200 slots of dispatcher garbage
    // until XS collects), so compare live heaps after forced collections: they match exactly.
    expect(after.currentHeapCount - before.currentHeapCount).toBe(0);
  });

  it("sees the live heap grow when a function keeps what it allocates", async () => {
    const before = await xs.gc();
    for (let i = 0; i < 1000; i++) await xs.call("leak");
    const after = await xs.gc();
    expect(after.currentHeapCount - before.currentHeapCount).toBeGreaterThanOrEqual(1000);
  });

  it("bundles once per file per process", async () => {
    const [a, b] = await Promise.all([bundleForXs(ENTRY), bundleForXs(ENTRY)]);
    expect(a).toBe(b);
    expect(a).toContain("handleCommand");
  });

  it("refuses to bundle code that imports a Node built-in", async () => {
    const dir = await mkdtemp(join(tmpdir(), "xs-harness-"));
    try {
      const entry = join(dir, "uses-fs.ts");
      await writeFile(entry, 'import { readFileSync } from "node:fs";\nexport const read = readFileSync;\n');
      await expect(bundleForXs(entry)).rejects.toThrow(/"node:fs" is a Node built-in/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it("fails clearly when a call exceeds the compute budget, and still closes", async () => {
    const tight = await startXs(ENTRY, { name: "tight-budget", meteringLimit: 100_000 });
    try {
      await expect(tight.call("spin", 1_000_000)).rejects.toThrow(/tight-budget failed during spin\(\).*too much computation/);
    } finally {
      await tight.close();
    }
    expect(isAlive(tight.pid)).toBe(false);
  });

  it("stops the worker process on close, and close is idempotent", async () => {
    const session = await startXs(ENTRY, { name: "short-lived" });
    expect(isAlive(session.pid)).toBe(true);
    await Promise.all([session.close(), session.close()]);
    expect(isAlive(session.pid)).toBe(false);
    await expect(session.call("add", 1, 1)).rejects.toThrow(/short-lived/);
  });

  it("starts, bundles and closes a worker quickly", async () => {
    const t0 = performance.now();
    const session = await startXs(ENTRY, { name: "timed" });
    await session.close();
    const warmCycleMs = performance.now() - t0;
    console.log(`XS cycle (start+bundle+close): first ${firstCycleMs.toFixed(0)} ms, warm ${warmCycleMs.toFixed(0)} ms`);
    expect(warmCycleMs).toBeLessThan(5000);
  });
});
