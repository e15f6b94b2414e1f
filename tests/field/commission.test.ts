// `pantau commission --port` against the real firmware on the XS engine behind a socat PTY: a unit
// of each role passes when its site works, and fails, saying why, on the obvious faults: a flood
// gauge whose reference level was never set, an open loop, a silent radar, a bridge hearing nobody,
// a display board whose driver reports a dead digit. The live view is checked in a real terminal.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleOp, encodeConsoleRequest, parseConsoleResponse } from "../../firmware/core/console-protocol.js";
import { RESEND_JITTER } from "../../firmware/core/uplink.js";
import { CORE_SETTINGS } from "../../shared/core-settings.js";
import { slipEncode, SlipDecoder } from "../../shared/slip.js";
import { SerialPort } from "serialport";
import { CLI, runCli as pantau, startCli, type CliRun } from "../support/cli.js";
import { freePort } from "../support/mosquitto.js";
import { collect, waitFor } from "../support/mqtt.js";
import { hasSocat } from "../support/socat.js";
import { tempDir } from "../support/temp.js";
import { closeTerminals, hasTmux, openTerminal } from "../support/tmux.js";
import { startXsUnit, type XsUnit } from "../support/xs-unit.js";
import type { Site } from "./fixtures/field-unit-entry.js";



const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;
const NEIGHBOUR_KEY = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
// The bridge test's waits, whose sum is its time limit (at load 12 on 2 cores, commissioning the bridge took 72 s).
/** slower time: the acks must reach the gauge within its receive window, across PTY and XS */
const BRIDGE_SPEED = 3;
/** room for provisioning the bridge (5-15 s measured) */
const PROVISIONING_MS = 30_000;
/** the gauge the bridge hears reports and sends its status every 120 s (field-unit-entry.ts) */
const GAUGE_INTERVAL_S = 120;
/**
 * The duty-cycle check needs two of the gauge's frames a minute apart, counted from its first ack
 * (which sets its clock): unheard while the bridge was provisioned, the gauge resends up to 64 s
 * (jittered) later, then its next two reports come an interval apart.
 */
const COMMISSION_S = Math.ceil((64 * (1 + RESEND_JITTER) + 2 * GAUGE_INTERVAL_S) / BRIDGE_SPEED) + 20;
const GATEWAY_READY_MS = 20_000;
/**
 * The gauge's status through the gateway: its next one after, as it went unheard between the
 * commissioning and the gateway's start, its next resend, up to retryMaxS (jittered) away.
 */
const GAUGE_STATUS_MS = ((GAUGE_INTERVAL_S + CORE_SETTINGS.retryMaxS.default * (1 + RESEND_JITTER)) * 1000) / BRIDGE_SPEED;
const REMOTE_S = 60;

const UNITS: Record<string, { id: number; role: string; set: string[] }> = {
  loop: { id: 2101, role: "loop", set: ["--lanes", "0011", "--set", "intervalS=20", "--set", "sensitivity=16", "--set", "statusS=30"] },
  sign: { id: 2102, role: "sign", set: ["--set", "radarModel=ld2415", "--set", "limitKmh=40", "--set", "statsIntervalS=10", "--set", "statusS=30"] },
  flood: { id: 2103, role: "flood", set: ["--set", "referenceMm=4200", "--set", "alertMm=1500", "--set", "dangerMm=2500", "--set", "reportIntervalS=60", "--set", "statusS=30"] },
  bridge: { id: 2104, role: "bridge", set: ["--set", "statusS=30"] },
};

describe.skipIf(!hasSocat)("pantau commission, on the firmware running on XS behind a PTY", () => {
  let unit: XsUnit;
  let dir: string;

  beforeAll(async () => {
    unit = await startXsUnit({ site: "flood" }, 10);
  });

  afterAll(async () => {
    closeTerminals();
    await unit?.stop();
  });

  /** A factory-fresh unit on `site`, provisioned into a fleet of its own. */
  async function provisioned(site: Site, kind: keyof typeof UNITS, on = unit): Promise<string[]> {
    dir = tempDir(`pantau-commission-${site}-`);
    await on.replace({ site, heightMm: 4200, neighbour: { deviceId: 2105, key: NEIGHBOUR_KEY } });
    const u = UNITS[kind]!;
    const fleet = ["--registry", join(dir, "fleet.json"), "--keys", join(dir, "keys.json")];
    const p = await pantau(["provision", "--port", on.path, "--id", String(u.id), "--role", u.role, "--site", "smg-test-01", "--lat", "-6.98", "--lon", "110.41", ...u.set, ...fleet]);
    expect(p.stderr).toBe("");
    expect(p.code).toBe(0);
    if (site === "bridge") {
      // the LoRa gauge the bridge hears belongs to the fleet too: the commissioning acks it through the bridge
      const registry = JSON.parse(readFileSync(join(dir, "fleet.json"), "utf8")) as { devices: unknown[] };
      registry.devices.push({ id: 2105, role: "flood", site: "smg-test-02", name: "LoRa gauge", location: { lat: -6.98, lon: 110.4 },
        flood: { referenceLevelM: 5, alertLevelM: 2, dangerLevelM: 3 } });
      writeFileSync(join(dir, "fleet.json"), JSON.stringify(registry));
      const keys = JSON.parse(readFileSync(join(dir, "keys.json"), "utf8")) as Record<string, string>;
      writeFileSync(join(dir, "keys.json"), JSON.stringify({ ...keys, 2105: Buffer.from(NEIGHBOUR_KEY).toString("hex") }));
    }
    return fleet;
  }

  async function commission(fleet: string[], timeoutS: number, more: string[] = [], on = unit): Promise<CliRun & { report: Record<string, unknown> }> {
    const reports = dir;
    const run = await pantau(["commission", "--port", on.path, ...fleet, "--timeout", String(timeoutS), "--report-dir", reports, ...more]);
    const json = readdirSync(reports).find((f) => f.startsWith("commission-") && f.endsWith(".json"))!;
    expect(readdirSync(reports).filter((f) => f.startsWith("commission-") && f.endsWith(".html"))).toHaveLength(1);
    return { ...run, report: JSON.parse(readFileSync(join(reports, json), "utf8")) as Record<string, unknown> };
  }

  const failed = (report: Record<string, unknown>) =>
    Object.fromEntries((report.checks as Array<{ check: string; pass: boolean; reason: string }>).filter((c) => !c.pass).map((c) => [c.check, c.reason]));

  for (const kind of ["loop", "sign", "flood"] as const) {
    it(`passes a ${kind} unit whose site works`, async () => {
      const fleet = await provisioned(kind, kind);
      // the sign's display test runs when asked for: signed, answered with what the board's driver found
      const run = await commission(fleet, 40, kind === "sign" ? ["--display-test"] : []);
      console.log(`commissioning a ${kind} took ${(run.ms / 1000).toFixed(1)} s (process start to exit)`);
      expect(failed(run.report)).toEqual({});
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`unit ${UNITS[kind]!.id} commissioned: every check passed`);
      expect(run.report).toMatchObject({ passed: true, unit: { id: UNITS[kind]!.id, role: kind } });
      const display = (run.report.checks as Array<{ check: string; reason: string }>).find((c) => c.check === "display test");
      expect(display?.reason).toBe(kind === "sign" ? "all 4 parts lit (digit 1, digit 2, digit 3, message line)" : undefined);
    }, 90_000);
  }

  // Its own unit, folder and gateway: should it run out of time, what it still does cannot reach the tests after it.
  it("passes a bridge that hears a unit of the fleet, acking it through the bridge, with budget left", async () => {
    const bridge = await startXsUnit({ site: "bridge" }, BRIDGE_SPEED);
    try {
      const fleet = await provisioned("bridge", "bridge", bridge);
      const here = dir;
      const run = await commission(fleet, COMMISSION_S, [], bridge);
      console.log(`commissioning a bridge took ${(run.ms / 1000).toFixed(1)} s (process start to exit)`);
      expect(failed(run.report)).toEqual({});
      expect(run.code, run.stderr).toBe(0);
      const checks = run.report.checks as Array<{ check: string; reason: string }>;
      expect(checks.find((c) => c.check === "hearing sensors")!.reason).toMatch(/^heard 2105 \(-108 dBm, SNR 4\.5 dB\)$/);
      expect(checks.find((c) => c.check === "duty-cycle budget left")!.reason).toMatch(/^acks for the units heard would use \d+ % of its hour's transmit budget$/);

      // plugged into a running gateway, the bridge's relay link tells which bridge heard the gauge: commission --device says so
      const config = join(here, "gateway.json");
      writeFileSync(config, JSON.stringify({ registry: join(here, "fleet.json"), keys: join(here, "keys.json"), dataDir: join(here, "data"),
        serial: [{ path: bridge.path, link: "relay" }], security: JSON.parse(readFileSync(join(EXAMPLES, "gateway.json"), "utf8")).security }));
      const mqttPort = await freePort();
      const gateway = startCli(["gateway", "--config", config, "--mqtt-port", String(mqttPort), "--http-port", String(await freePort())]);
      try {
        await waitFor("gateway ready", () => gateway.logs.find((l) => String(l.msg).startsWith("ready:")), GATEWAY_READY_MS);
        const sub = await collect(`mqtt://field-laptop:pantau-example@127.0.0.1:${mqttPort}`, "pantau/v1/smg-test-02/2105/status");
        try {
          const status = await waitFor("the gauge's status, naming the bridge", () => sub.messages.find((m) => (m.payload.heardBy as Array<{ bridge: number | null }> | undefined)?.[0]?.bridge === 2104), GAUGE_STATUS_MS);
          expect(status.payload.heardBy).toEqual([{ bridge: 2104, link: bridge.path, frames: expect.any(Number), rssi: -108, snr: 4.5, lastHeard: expect.any(String) }]);
        } finally {
          await sub.client.endAsync();
        }
        process.env.PANTAU_MQTT_PASSWORD = "pantau-example"; // the example's read-only field-crew account
        const remote = await pantau(["commission", "--device", "2105", "--mqtt", `mqtt://127.0.0.1:${mqttPort}`, "--user", "field-laptop", "--config", config, "--timeout", String(REMOTE_S), "--report-dir", here]);
        console.log(`commission --device of the gauge the bridge hears:\n${remote.stdout}${remote.stderr}`);
        expect(remote.stdout).toMatch(/PASS +heard by bridges +bridge 2104 \(-108 dBm, SNR 4\.5 dB, \d+ frames?\)/);
      } finally {
        expect(await gateway.stop()).toBe(0);
      }
    } finally {
      await bridge.stop();
    }
  }, PROVISIONING_MS + (COMMISSION_S + REMOTE_S) * 1000 + GATEWAY_READY_MS + GAUGE_STATUS_MS);

  it("fails an open loop, naming the fault", async () => {
    const run = await commission(await provisioned("loop-open", "loop"), 8);
    expect(run.code, run.stderr).toBe(3);
    expect(failed(run.report)["oscillator in range"]).toContain("a loop is open");
    expect(run.stdout).toMatch(/not commissioned: .*oscillator in range.* failed/);
  });

  it("fails a sign whose radar is silent", async () => {
    const run = await commission(await provisioned("sign-silent", "sign"), 8);
    expect(run.code, run.stderr).toBe(3);
    expect(failed(run.report)["radar seeing targets"]).toMatch(/no vehicle in \d+ intervals/);
    const display = (run.report.checks as Array<{ check: string; pass: boolean; reason: string }>).find((c) => c.check === "display test");
    expect(display).toEqual({ check: "display test", pass: true, reason: "not run (not asked for): run pantau commission with --display-test, or press d in its live view" });
  });

  it.skipIf(!hasTmux)("runs a sign's display test when d is pressed in the live view, failing on the digit its board's driver reports", async () => {
    const fleet = await provisioned("sign-dead-digit", "sign");
    const term = openTerminal([process.execPath, CLI, "commission", "--port", unit.path, ...fleet, "--timeout", "8", "--report-dir", dir], {}, 130, 30);
    try {
      await waitFor("the live view", () => term.screen().includes("d runs the display test, Ctrl-C ends it now") || undefined, 20_000);
      term.keys("d");
      const done = await waitFor("finished", () => (term.alive() ? undefined : term.screen()), 30_000);
      console.log(`commission with a dead digit, at the end:\n${done}`);
      expect(done).toMatch(/FAIL +display test +the board's driver reports digit 2 faulted \(open or shorted segments\)/);
      expect(done).toContain("[exit 3]");
      expect(done).toMatch(/FAIL +radar seeing targets/);
    } finally {
      term.close();
    }
  });

  it("refuses --display-test for a unit without one, as a usage error", async () => {
    const fleet = await provisioned("flood", "flood");
    const run = await pantau(["commission", "--port", unit.path, ...fleet, "--timeout", "5", "--report-dir", dir, "--display-test"]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain("unit 2103 has no display test (a flood: only signs have one)");
  });

  it("says which port it cannot open and what to check", async () => {
    const run = await pantau(["commission", "--port", "/dev/pantau-no-such-port", "--timeout", "5", "--report-dir", dir]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("pantau: cannot open the unit's port /dev/pantau-no-such-port: No such file or directory");
    expect(run.stderr).toContain("check the cable and the path");
  });

  it("fails a bridge that hears nobody", async () => {
    const run = await commission(await provisioned("bridge-alone", "bridge"), 6);
    expect(run.code, run.stderr).toBe(3);
    expect(failed(run.report)["hearing sensors"]).toMatch(/^no unit heard on the air yet after \d+ s$/);
  });

  it("fails a flood gauge whose reference level is unset", async () => {
    const fleet = await provisioned("flood", "flood");
    // a technician's hand-made console request clears the setting, and the unit restarts
    const key = Uint8Array.from(Buffer.from((JSON.parse(readFileSync(join(dir, "keys.json"), "utf8")) as Record<string, string>)["2103"]!, "hex"));
    const port = new SerialPort({ path: unit.path, baudRate: 115200 });
    const answers: Uint8Array[] = [];
    const deframer = new SlipDecoder((f) => f[0] === 0x63 && answers.push(f.slice()), () => undefined, 2000);
    port.on("data", (c: Buffer) => deframer.push(c));
    port.write(Buffer.from(slipEncode(encodeConsoleRequest({ op: ConsoleOp.setSettings, counter: 100, args: new Map([["settings", new Map([["referenceMm", null]])]]) }, key))));
    await waitFor("answer", () => answers.length === 1);
    expect(parseConsoleResponse(answers[0]!, key).status).toBe(0);
    await new Promise((r) => port.close(r));
    await unit.powerCycle();
    const run = await commission(fleet, 6);
    expect(run.code, run.stderr).toBe(3);
    expect(failed(run.report)["reference level set"]).toContain("referenceMm was not provisioned");
  });

  it.skipIf(!hasTmux)("shows the unit live in a terminal: link, clock, battery, readings and checks", async () => {
    const fleet = await provisioned("loop", "loop");
    const term = openTerminal([process.execPath, CLI, "commission", "--port", unit.path, ...fleet, "--timeout", "40", "--report-dir", dir], {}, 110, 30);
    try {
      const live = await waitFor("a live view with readings", () => {
        const s = term.screen();
        return s.includes("traffic") && s.includes("checks") && /battery +3\.70 V/.test(s) ? s : undefined;
      }, 30_000);
      console.log(`commission, live:\n${live}`);
      expect(live).toContain('Commissioning unit 2101 "loop 2101" (loop) at smg-test-01');
      expect(live).toMatch(/link +\d+(\.\d)? frames\/min over the last minute; wired/);
      expect(live).toMatch(/clock +\d\d:\d\d:\d\d \(the unit's, set by the gateway\)/);
      expect(live).toMatch(/battery +3\.70 V/);
      expect(live).toMatch(/\d\d:\d\d:\d\d  traffic lane \d: \d+ vehicles?/);
      expect(live).toMatch(/PASS +oscillator in range/);
      const done = await waitFor("finished", () => (term.alive() ? undefined : term.screen()), 40_000);
      console.log(`commission, at the end:\n${done}`);
      expect(done).toContain("unit 2101 commissioned: every check passed");
      expect(done).toContain("[exit 0]");
      expect(term.screenWithColour()).toContain("\u001b[32m");
    } finally {
      term.close();
    }
  });
});
