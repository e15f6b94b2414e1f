// `pantau provision` against the real firmware on the XS engine behind a socat PTY: a factory-
// fresh unit gets its identity, key and settings, reboots into its role, proves it holds the key,
// and streams into a running gateway; a duplicate id and a unit holding another key are refused;
// a provisioning killed half way is resumed and never leaves a registry entry without the key.

import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESEND_JITTER } from "../../firmware/core/uplink.js";
import { CORE_SETTINGS } from "../../shared/core-settings.js";
import { CLI, runCli as pantau, startCli, type RunningCli } from "../support/cli.js";
import { freePort } from "../support/mosquitto.js";
import { collect, waitFor } from "../support/mqtt.js";
import { hasSocat } from "../support/socat.js";
import { tempDir } from "../support/temp.js";
import { closeTerminals, hasTmux, openTerminal } from "../support/tmux.js";
import { startXsUnit, type XsUnit } from "../support/xs-unit.js";

const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;
/** the units' clocks run this many times faster than the wall clock */
const SPEED = 5;
/**
 * Unheard since provisioning, the gauge resends its oldest frame after a delay that doubles per
 * missed ack up to retryMaxS, jittered: the gateway may start just after a resend (the later it
 * starts, as on a loaded machine, the longer the delay), and the next one comes this long after.
 */
const LONGEST_RESEND_MS = (CORE_SETTINGS.retryMaxS.default * 1000 * (1 + RESEND_JITTER)) / SPEED;
/** what the gateway publishes and `pantau watch` shows of it */
const STATUS_LINE = /^\d\d:\d\d:\d\d  smg-kali-semarang-02 2103 +status +battery 3\.70 V, up \d+ s, queue \d+$/m;
const FLOOD_LINE = /^\d\d:\d\d:\d\d  smg-kali-semarang-02 2103 +flood +level (\d\.\d{3}) m, (normal|alert|danger)\b/m;
const hex = (bytes: unknown) => Buffer.from(bytes as Uint8Array).toString("hex");
const json = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

describe.skipIf(!hasSocat)("pantau provision, on the firmware running on XS behind a PTY", () => {
  let dir: string;
  let config: string;
  let gauge: XsUnit;
  let sign: XsUnit;
  let gateway: RunningCli | undefined;

  beforeAll(async () => {
    dir = join(tempDir("pantau-provision-"), "site");
    cpSync(EXAMPLES, dir, { recursive: true });
    config = join(dir, "gateway.json");
    [gauge, sign] = await Promise.all([startXsUnit({ site: "flood", heightMm: 4200 }, SPEED), startXsUnit({ site: "sign" }, SPEED)]);
  });

  afterAll(async () => {
    closeTerminals();
    await gateway?.stop();
    await Promise.all([gauge?.stop(), sign?.stop()]);
  });

  it("provisions a factory-fresh flood gauge the registry plans, writing keys 0600 and a label", async () => {
    expect(await gauge.state()).toMatchObject({ provisioned: false });
    const run = await pantau(["provision", "--port", gauge.path, "--id", "2103", "--config", config, "--set", "statusS=60", "--set", "reportIntervalS=30"]);
    expect(run.stderr).toBe("");
    expect(run.code, run.stderr).toBe(0);
    console.log(`provisioning took ${(run.ms / 1000).toFixed(2)} s (process start to exit)`);
    expect(run.stdout).toMatch(/unit 2103 "Kali Semarang gauge, Jl. Bandarharjo" \(flood\) at smg-kali-semarang-02 is provisioned in \d+\.\d s/);
    for (const step of ["reading the unit", "giving it identity 2103 (flood) and a new key", "setting statusS=60 reportIntervalS=30 referenceMm=4200 alertMm=1500 dangerMm=2500",
      "rebooting into its role (signed) and waiting for its status frame", "self-test, its answer checked under the new key"]) {
      expect(run.stdout).toContain(`ok ${step}`);
    }
    const keysFile = join(dir, "keys.json");
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    const keys = json(keysFile);
    const unit = await gauge.state();
    expect(unit).toMatchObject({ provisioned: true, deviceId: 2103, role: "flood", settings: { referenceMm: 4200, alertMm: 1500, dangerMm: 2500, statusS: 60, reportIntervalS: 30 } });
    expect(keys["2103"]).toBe(hex(unit.key));
    const entry = (json(join(dir, "fleet.json")).devices as Array<Record<string, unknown>>).find((d) => d.id === 2103)!;
    expect(entry).toMatchObject({ role: "flood", site: "smg-kali-semarang-02", flood: { referenceLevelM: 4.2, alertLevelM: 1.5, dangerLevelM: 2.5 } });
    expect(entry.key).toBeUndefined();
    const label = readFileSync(join(dir, "unit-2103-label.html"), "utf8");
    expect(label).toContain("<svg");
    expect(label).toContain('aria-label="pantau:smg-kali-semarang-02/2103"');
    expect(existsSync(join(dir, ".provisioning", "2103.json"))).toBe(false);
  });

  it("refuses a second unit with the same id, and a unit that holds a key this laptop does not", async () => {
    const again = await pantau(["provision", "--port", sign.path, "--id", "2103", "--config", config]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("unit 2103 is already in the fleet registry (Kali Semarang gauge, Jl. Bandarharjo), with a key");
    expect(again.stderr).toContain("pick another --id");
    const other = join(tempDir("pantau-other-"), "fleet.json");
    const stolen = await pantau(["provision", "--port", gauge.path, "--id", "2200", "--role", "flood", "--site", "x-1", "--lat", "0", "--lon", "0",
      "--set", "referenceMm=3000", "--registry", other]);
    expect(stolen.code).toBe(1);
    expect(stolen.stderr).toContain("is already provisioned as unit 2103 (flood) with a key this laptop does not hold");
    expect(existsSync(other)).toBe(false);
  });

  it("streams into a running gateway once plugged in", async () => {
    const mqttPort = await freePort();
    writeFileSync(config, JSON.stringify({ ...json(config), serial: [{ path: gauge.path }] }));
    gateway = startCli(["gateway", "--config", config, "--mqtt-port", String(mqttPort), "--http-port", String(await freePort())]);
    const ready = await waitFor("gateway ready", () => gateway!.logs.find((l) => String(l.msg).startsWith("ready:")), 20_000);
    expect(ready.msg).toContain("devices: 1 flood (2101, 2102, 2104 listed without a key");
    // the example's read-only field-crew account
    const sub = await collect(`mqtt://field-laptop:pantau-example@127.0.0.1:${mqttPort}`, "pantau/v1/#");
    try {
      const status = await waitFor("its status (its next resend, at most the longest resend delay away)",
        () => sub.messages.find((m) => m.topic === "pantau/v1/smg-kali-semarang-02/2103/status"), LONGEST_RESEND_MS + 10_000);
      expect(status.payload).toMatchObject({ deviceId: 2103, role: "flood", firmwareVersion: "1.0.0" });
      const floods = () => sub.messages.filter((m) => m.topic === "pantau/v1/smg-kali-semarang-02/2103/flood");
      // the rest of its queue follows once the gateway acks, oldest first
      const flood = await waitFor("a flood reading", () => floods()[0], 30_000);
      // the provisioned levels; the river itself rises past alert within minutes (demo physics), so its state depends on when
      expect(flood.payload).toMatchObject({ referenceLevel: 4.2, alertLevel: 1.5, dangerLevel: 2.5, floodLevelStatus: expect.stringMatching(/^(normal|alert|danger)$/) });
      // and a field crew's laptop reads it in a terminal
      if (hasTmux) {
        const term = openTerminal([process.execPath, CLI, "watch", "--mqtt", `mqtt://127.0.0.1:${mqttPort}`, "--user", "field-laptop", "--device", "2103"],
          { PANTAU_MQTT_PASSWORD: "pantau-example" });
        try {
          // the broker sends the retained status after the subscription starts: a live reading may come first
          const screen = await waitFor("a status and a flood reading on screen", () => {
            const s = term.screen();
            return / status +battery/.test(s) && / flood +level/.test(s) ? s : undefined;
          }, 30_000);
          console.log(`watch, live:\n${screen}`);
          expect(screen).toMatch(STATUS_LINE);
          expect(screen).toMatch(FLOOD_LINE);
          // the line is a reading the gateway published, in its words
          const [, level, state] = FLOOD_LINE.exec(screen)!;
          await waitFor(`the published reading watch shows (level ${level} m, ${state})`,
            () => floods().find((m) => Number(m.payload.currentLevel).toFixed(3) === level && m.payload.floodLevelStatus === state), 10_000);
        } finally {
          term.close();
        }
      }
      // and the crew commissions it through the gateway, by its id
      process.env.PANTAU_MQTT_PASSWORD = "pantau-example";
      const reports = tempDir("pantau-reports-");
      const commissioned = await pantau(["commission", "--device", "2103", "--mqtt", `mqtt://127.0.0.1:${mqttPort}`, "--user", "field-laptop",
        "--config", config, "--timeout", "40", "--report-dir", reports]);
      expect(commissioned.stderr).toBe("");
      expect(commissioned.stdout).toContain(`commissioning unit 2103 (flood) via mqtt://127.0.0.1:${mqttPort}`);
      expect(commissioned.stdout).toMatch(/PASS +reference level set +sensor 4\.200 m above the channel bed/);
      expect(commissioned.stdout).toContain("unit 2103 commissioned: every check passed");
      expect(commissioned.code).toBe(0);
    } finally {
      await sub.client.endAsync();
    }
    expect(await gateway.stop()).toBe(0);
    gateway = undefined;
  }, 240_000); // the sum of its waits

  it("resumes a provisioning killed half way, and registers the unit only once it holds the key", async () => {
    // the unit's clock stands still: it takes the key and the settings but cannot finish rebooting
    sign.pause(true);
    const killed = await pantau(["provision", "--port", sign.path, "--id", "2102", "--config", config],
      async () => (await sign.state()).key !== undefined);
    expect(killed.code).toBe(null);
    const journal = join(dir, ".provisioning", "2102.json");
    expect(statSync(journal).mode & 0o777).toBe(0o600);
    expect(json(join(dir, "keys.json"))["2102"]).toBeUndefined();
    expect((json(join(dir, "fleet.json")).devices as Array<Record<string, unknown>>).find((d) => d.id === 2102)!.key).toBeUndefined();
    sign.pause(false);

    const resumed = await pantau(["provision", "--port", sign.path, "--id", "2102", "--config", config]);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain("resuming: the unit already holds the key of an interrupted provisioning of 2102");
    expect(resumed.stdout).toContain("(resumed)");
    const unit = await sign.state();
    expect(unit).toMatchObject({ provisioned: true, deviceId: 2102, role: "sign", settings: { limitKmh: 40 } });
    expect(json(join(dir, "keys.json"))["2102"]).toBe(hex(unit.key));
    expect(existsSync(journal)).toBe(false);
  });
});
