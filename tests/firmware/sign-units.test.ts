// Unit tests of the sign's parts: radar parsers fed partial and garbled bytes, the tracker,
// the display controller's commands, the statistics and the size of every frame it can send.

import { describe, expect, it } from "vitest";
import { Ops243, type Ops243Units } from "../../firmware/roles/sign/ops243.js";
import { Ld2415 } from "../../firmware/roles/sign/ld2415.js";
import { Tracker } from "../../firmware/roles/sign/tracker.js";
import { DisplayController, type DisplayConfig } from "../../firmware/roles/sign/display.js";
import { SpeedStats } from "../../firmware/roles/sign/stats.js";
import { fitsAir, worstCaseFrameBytes } from "../../firmware/roles/sign/air-size.js";
import { readSignConfig } from "../../firmware/roles/sign/config.js";
import { createSignRole } from "../../firmware/roles/sign/role.js";
import { SimPlatform } from "../../firmware/sim/sim-platform.js";
import { BOARD_TEST_MS, DisplayBoardSim } from "../../firmware/sim/physics/display-board.js";
import type { RoleTestResult } from "../../firmware/roles/role.js";
import { encodeFrame, MAX_BOOT, MAX_DEVICE_ID, MAX_SEQ, type AnyEnvelope } from "../../shared/envelope.js";
import { Fault, MAX_AIR_FRAME } from "../../shared/messages.js";
import type { SignStatsBody } from "../../shared/roles/sign.js";

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function ops(units: Ops243Units = "UM", invert = false) {
  const out: number[] = [];
  return { parser: new Ops243(units, (s) => out.push(s), invert), out };
}

describe("OPS243-A parser", () => {
  it("reads JSON lines with direction, in m/s by default and km/h when set", () => {
    const ms = ops("UM");
    ms.parser.push(bytes('{"speed":0.58,"direction":"inbound","time":105,"tick":135}\n{"speed":-12.50,"direction":"outbound"}\r\n'));
    expect(ms.out).toEqual([21, -450]);
    const kmh = ops("UK");
    kmh.parser.push(bytes('{"speed":45.2,"direction":"inbound"}\n{"speed" : "12.3" , "direction" : "outbound" }\n'));
    expect(kmh.out).toEqual([452, -123]);
  });

  it("takes the sign of the speed when there is no direction field, and a unit field over the setting", () => {
    const p = ops("UM");
    p.parser.push(bytes('{"speed":13.9}\n{"speed":-2.0}\n{"unit":"kmph","speed":50.0}\n{"unit":"mph","speed":30}\n'));
    expect(p.out).toEqual([500, -72, 500, 483]);
  });

  it("reads plain number lines and unit-prefixed lines", () => {
    const p = ops("UK");
    p.parser.push(bytes('45.2\n-3.5\n"mps",12.5\n  61 \n'));
    expect(p.out).toEqual([452, -35, 450, 610]);
  });

  it("reassembles lines split anywhere, byte by byte", () => {
    const p = ops("UM");
    const text = '{"speed":13.89,"direction":"inbound","time":1,"tick":2}\n12.5\n';
    for (const c of text) p.parser.push(bytes(c));
    expect(p.out).toEqual([500, 450]);
    expect(p.parser.counters).toEqual({ reports: 2, errors: 0, ignored: 0 });
  });

  it("counts garbled, merged, absurd and overlong lines as errors and keeps going", () => {
    const p = ops("UM");
    p.parser.push(bytes([
      '{"speed":1{"speed":12.5,"direction":"inbound"}', // a partial line merged with the next
      '{"speed":12.5,"direction":"sideways"}',
      '{"speed":abc}',
      "12.512.6",
      "112.5", // 405 km/h
      "x".repeat(500),
      '"furlongs",3',
      "\u0001\u0002\u00ff",
      "13.0",
    ].join("\n") + "\n"));
    expect(p.out).toEqual([468]);
    expect(p.parser.counters).toEqual({ reports: 1, errors: 8, ignored: 0 });
  });

  it("ignores command replies and empty lines", () => {
    const p = ops("UM");
    p.parser.push(bytes('{"Product":"OPS243"}\n\r\n\n{"Version":"1.3.1"}\n'));
    expect(p.out).toEqual([]);
    expect(p.parser.counters).toEqual({ reports: 0, errors: 0, ignored: 2 });
  });

  it("flips the sign for installations that report approach as negative", () => {
    const p = ops("UK", true);
    p.parser.push(bytes("-45.0\n"));
    expect(p.out).toEqual([450]);
  });
});

describe("HLK-LD2415H parser", () => {
  it("reads V lines in km/h, + approaching", () => {
    const out: number[] = [];
    const p = new Ld2415((s) => out.push(s));
    p.push(bytes("V+002.6\r\nV-045.0\r\nV+45\r\nV+123.4\r\n"));
    expect(out).toEqual([26, -450, 450, 1234]);
  });

  it("survives split chunks, merged partial lines and junk", () => {
    const out: number[] = [];
    const p = new Ld2415((s) => out.push(s));
    const stream = "V+04V+045.2\r\nV+04\u00005.2\r\nV+0452\r\nV+045.\r\nV+045.23\r\nV*045.2\r\nV+999.9\r\nV+050.1\r\n";
    for (let i = 0; i < stream.length; i += 3) p.push(bytes(stream.slice(i, i + 3)));
    expect(out).toEqual([501]);
    expect(p.counters).toEqual({ reports: 1, errors: 7, ignored: 0 });
  });
});

describe("tracker", () => {
  const config = { gapMs: 1500, minReports: 3, minSpeedDkmh: 50 };

  function track(reports: [number, number][], until: number) {
    const vehicles: [number, number][] = [];
    const t = new Tracker(config, (s, last) => vehicles.push([s, last]));
    for (const [ms, s] of reports) t.report(ms, s);
    t.expire(until);
    return { vehicles, tracker: t };
  }

  it("counts a run of reports with short dropouts once, at its top median speed", () => {
    const run: [number, number][] = [];
    for (let i = 0; i < 60; i++) if (i % 7 !== 3) run.push([i * 66, 500 - i + (i % 2) * 4]);
    const lastMs = 58 * 66 + 1400; // after a 1.4 s dropout: still the same vehicle
    run.push([lastMs, 440]);
    const { vehicles } = track(run, 20_000);
    expect(vehicles).toEqual([[500, lastMs]]);
  });

  it("splits vehicles at a gap, drops single-report clutter, ignores outbound and slow reports", () => {
    const { vehicles, tracker } = track([
      [0, 400], [66, 402], [132, 401],
      [1000, -600], [1100, -600], [1200, -600], [1300, 30], [1400, 20],
      [5000, 700],
      [8000, 550], [8066, 551], [8132, 549], [8198, 552],
    ], 20_000);
    expect(vehicles).toEqual([[401, 132], [551, 8198]]);
    expect(tracker.blips).toBe(1);
  });

  it("drops readings no vehicle could produce, even two of them a report apart", () => {
    const { vehicles, tracker } = track([[0, 294], [66, 295], [132, 2294], [198, 296], [264, 2254], [330, 294], [396, 295]], 5000);
    expect(vehicles).toEqual([[295, 396]]);
    expect(tracker.glitches).toBe(2);
  });

  it("starts a new vehicle when the radar moves to another target without a gap", () => {
    const run: [number, number][] = [0, 1, 2, 3, 4].map((i) => [i * 66, 400 + (i % 2)]);
    for (let i = 5; i < 10; i++) run.push([i * 66, 700 + (i % 3)]);
    const { vehicles, tracker } = track(run, 5000);
    expect(vehicles).toEqual([[401, 264], [701, 594]]);
    expect(tracker.glitches).toBe(0);
  });

  it("is confirmed only after minReports", () => {
    const t = new Tracker(config, () => undefined);
    t.report(0, 500);
    t.report(66, 500);
    expect(t.confirmed).toBe(false);
    t.report(132, 500);
    expect(t.confirmed).toBe(true);
    expect(t.speedDkmh).toBe(500);
  });
});

describe("display controller", () => {
  const config: DisplayConfig = { limitKmh: 50, flashMarginKmh: 5, blankAboveKmh: 100, spyMode: false, message: "PELAN-PELAN" };
  const text = (b: Uint8Array) => String.fromCharCode(...b);

  it("writes a command only when what is shown changes", () => {
    const writes: string[] = [];
    const d = new DisplayController((b) => writes.push(text(b)), config);
    for (const dkmh of [0, 452, 448, 500, 504, 506, 556, 549, 1004, 1006, 0, 0]) d.show(dkmh);
    expect(writes).toEqual([
      "B\n", "S045\nM\n", "S050\nM\n", "S051\nMPELAN-PELAN\n", "F056\nMPELAN-PELAN\n", "S055\nMPELAN-PELAN\n",
      "F100\nMPELAN-PELAN\n", "B\n",
    ]);
    expect(d.current).toEqual({ mode: "idle", speedKmh: 0, flashing: false, message: "" });
  });

  it("keeps its state readable: withheld above the maximum, dark in spy mode", () => {
    const d = new DisplayController(() => undefined, config);
    d.show(1200);
    expect(d.current).toEqual({ mode: "withheld", speedKmh: 0, flashing: false, message: "" });
    d.reconfigure({ ...config, spyMode: true });
    d.show(600);
    expect(d.current.mode).toBe("spy");
  });
});

describe("speed statistics", () => {
  it("gives count, mean, nearest-rank p85, max, over-limit count and the 5 km/h histogram", () => {
    const s = new SpeedStats();
    const speeds = [312, 405, 455, 461, 478, 502, 523, 547, 588, 611, 702, 951];
    for (const v of speeds) s.add(v, v > 500);
    expect(s.summary(300, 50)).toEqual({
      intervalS: 300, count: 12, meanSpeedDkmh: 545, p85Kmh: 70, maxKmh: 95, overLimit: 7, limitKmh: 50,
    });
    // bins 6..19 (30-35 km/h .. 95-100 km/h), trimmed to the non-empty range
    expect(s.histogram(300, () => true)).toEqual([
      { intervalS: 300, binWidthKmh: 5, firstBin: 6, counts: [1, 0, 1, 3, 3, 1, 1, 0, 1, 0, 0, 0, 0, 1] },
    ]);
    s.reset();
    expect(s.summary(300, 50)).toEqual({ intervalS: 300, count: 0, overLimit: 0, limitKmh: 50 });
    expect(s.histogram(300, () => true)).toEqual([]);
  });

  it("cuts a histogram into frames of at most 16 bins, or fewer when the frame would not fit", () => {
    const s = new SpeedStats();
    for (let bin = 2; bin < 40; bin++) s.add(bin * 50 + 20, false);
    expect(s.histogram(300, () => true).map((b) => [b.firstBin, b.counts.length])).toEqual([[2, 16], [18, 16], [34, 6]]);
    expect(s.histogram(300, (b) => b.counts.length <= 10).map((b) => [b.firstBin, b.counts.length])).toEqual([[2, 10], [12, 10], [22, 10], [32, 8]]);
  });
});

describe("frame sizes with the worst-case header", () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);
  const frame = (env: Omit<AnyEnvelope, "deviceId" | "boot" | "seq" | "timeS">) =>
    encodeFrame({ deviceId: MAX_DEVICE_ID, boot: MAX_BOOT, seq: MAX_SEQ, timeS: 0xffffffff, ...env } as AnyEnvelope, key);

  it("signStats fits 51 bytes at its largest", () => {
    const body: SignStatsBody = { intervalS: 3600, count: 65535, meanSpeedDkmh: 3000, p85Kmh: 300, maxKmh: 300, overLimit: 65535, limitKmh: 200 };
    expect(frame({ type: "signStats", body }).length).toBeLessThanOrEqual(MAX_AIR_FRAME);
    expect(worstCaseFrameBytes("signStats", body)).toBe(frame({ type: "signStats", body }).length);
  });

  it("a full histogram of a very busy interval is split into frames of at most 51 bytes", () => {
    const s = new SpeedStats();
    for (let kmh = 0; kmh <= 300; kmh++) for (let n = 0; n < (kmh % 3 === 0 ? 300 : 30); n++) s.add(kmh * 10, false);
    const bodies = s.histogram(3600, (b) => fitsAir("signHistogram", b));
    const sizes = bodies.map((body) => frame({ type: "signHistogram", body }).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_AIR_FRAME);
    expect(bodies.flatMap((b) => b.counts)).toHaveLength(61);
    expect(bodies.reduce((n, b) => n + b.counts.reduce((x, y) => x + y, 0), 0)).toBe(s.vehicles);
    let next = 0;
    for (const b of bodies) {
      expect(b.firstBin).toBe(next);
      next += b.counts.length;
    }
  });
});

describe("sign settings", () => {
  it("uses defaults, and names settings it cannot use", () => {
    expect(readSignConfig({}).config).toMatchObject({
      radarModel: "ops243", radarUnits: "UM", radarBaud: 19200, statsIntervalS: 300,
      display: { limitKmh: 50, flashMarginKmh: 5, blankAboveKmh: 100, spyMode: false, message: "PELAN-PELAN" },
      tracker: { gapMs: 1500, minReports: 3, minSpeedDkmh: 50 },
    });
    expect(readSignConfig({ radarModel: "ld2415" }).config.radarBaud).toBe(9600);
    const bad = readSignConfig({ limitKmh: 500, radarUnits: "furlongs", slowMessage: "PELAN\u00e9", blankAboveKmh: 30 });
    expect(bad.invalid.sort()).toEqual(["blankAboveKmh", "limitKmh", "radarUnits", "slowMessage"]);
    expect(bad.config.display.limitKmh).toBe(50);
  });
});

describe("sign role on a simulated board", () => {
  it("raises radarSilent when the radar says nothing for radarSilentS, and clears it when it talks again", () => {
    const sim = new SimPlatform();
    let faults = 0;
    const role = createSignRole({ platform: sim, settings: { radarSilentS: 60 }, send: () => undefined, nowS: () => 0, setFaults: (b) => { faults = b; } });
    const radar = sim.serialPeer("radar");
    role.start();
    sim.advance(59_000);
    expect(faults).toBe(0);
    sim.advance(2_000);
    expect(faults).toBe(Fault.radarSilent);
    radar.deliver(bytes("{\"Product\":\"OPS243\"}\n"));
    sim.advance(500);
    expect(faults).toBe(0);
  });

  it("refuses a new limit that would sit above the blanking speed", () => {
    const sim = new SimPlatform();
    const role = createSignRole({ platform: sim, settings: {}, send: () => undefined, nowS: () => 0, setFaults: () => undefined });
    role.start();
    expect(role.applySetting?.("limitKmh", 120)).toBe(false);
    expect(role.applySetting?.("blankAboveKmh", 150)).toBe(true);
    expect(role.applySetting?.("limitKmh", 120)).toBe(true);
    expect(role.applySetting?.("slowMessage", "KURANGI KECEPATAN!")).toBe(false);
  });

  it("sends an empty interval as a count of zero and no histogram", () => {
    const sim = new SimPlatform();
    const sent: [string, unknown][] = [];
    const role = createSignRole({ platform: sim, settings: { statsIntervalS: 60 }, send: (t, b) => { sent.push([t, b]); }, nowS: () => 0, setFaults: () => undefined });
    role.start();
    sim.advance(60_000);
    expect(sent).toEqual([["signStats", { intervalS: 60, count: 0, overLimit: 0, limitKmh: 50 }]]);
  });

  describe("display test", () => {
    function testOn(board: ConstructorParameters<typeof DisplayBoardSim>[1], name = "display") {
      const sim = new SimPlatform();
      const screen = new DisplayBoardSim(sim, board);
      const role = createSignRole({ platform: sim, settings: {}, send: () => undefined, nowS: () => 0, setFaults: () => undefined });
      role.start();
      const results: RoleTestResult[] = [];
      role.runTest?.(name, (r) => results.push(r));
      return { sim, screen, role, results };
    }

    it("lights the board's test pattern and reports every part lit, then shows what it showed before", () => {
      const { sim, screen, role, results } = testOn({});
      expect(screen.lastCommand).toBe("T");
      role.runTest?.("display", (r) => results.push(r));
      expect(results).toEqual([{ pass: false, found: "a display test is already running" }]);
      sim.advance(BOARD_TEST_MS);
      expect(results[1]).toEqual({ pass: true, found: "all 4 parts lit (digit 1, digit 2, digit 3, message line)" });
      expect(screen.tests).toBe(1);
      expect(screen.lastCommand).toBe("B");
    });

    it("names the parts whose driver reports a fault", () => {
      const { sim, results } = testOn({ deadParts: [1, 3] });
      sim.advance(BOARD_TEST_MS);
      expect(results).toEqual([{ pass: false, found: "the board's driver reports digit 2, message line faulted (open or shorted segments)" }]);
    });

    it("fails when the board does not answer, and refuses a test it does not have", () => {
      const { sim, results, role } = testOn({ mute: true });
      sim.advance(2_900);
      expect(results).toEqual([]);
      sim.advance(200);
      expect(results).toEqual([{ pass: false, found: "the display board did not answer its test within 3 s: check its cable and power" }]);
      role.runTest?.("radar", (r) => results.push(r));
      expect(results[1]).toEqual({ pass: false, found: "the sign has no test named radar" });
    });
  });
});
