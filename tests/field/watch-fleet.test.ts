// `pantau watch` highlighting an alarm in a real terminal, and `pantau fleet` on the registry and,
// for rotate-key, on the firmware running on XS behind a socat PTY.

import { cpSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, runCli as pantau, startCli, type RunningCli } from "../support/cli.js";
import { freePort } from "../support/mosquitto.js";
import { waitFor } from "../support/mqtt.js";
import { hasSocat } from "../support/socat.js";
import { tempDir } from "../support/temp.js";
import { closeTerminals, hasTmux, openTerminal } from "../support/tmux.js";
import { startXsUnit, type XsUnit } from "../support/xs-unit.js";

const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;


let demo: RunningCli | undefined;
let unit: XsUnit | undefined;
afterAll(async () => {
  closeTerminals();
  await demo?.stop();
  await unit?.stop();
});

describe.skipIf(!hasTmux)("pantau watch in a terminal", () => {
  it("prints one line per reading in local time and units, and highlights an alarm", async () => {
    const mqttPort = await freePort();
    demo = startCli(["demo", "--mqtt-port", String(mqttPort), "--http-port", String(await freePort()), "--speed", "20"]);
    await waitFor("demo ready", () => demo!.logs.find((l) => String(l.msg).startsWith("ready:")), 20_000);
    const term = openTerminal([process.execPath, CLI, "watch", "--mqtt", `mqtt://127.0.0.1:${mqttPort}`, "--site", "smg-kali-semarang-02"], {}, 120, 30);
    try {
      const screen = await waitFor("an alarm on screen", () => (term.screen().includes("HIGH flood status normal -> alert") ? term.screen() : undefined), 90_000);
      console.log(`watch, live:\n${screen}`);
      expect(screen).toMatch(/^\d\d:\d\d:\d\d  smg-kali-semarang-02 2003 +flood +level \d\.\d{3} m, normal/m);
      expect(screen).not.toContain("smg-pemuda-01");
      const alarmLine = term.screenWithColour().split("\n").find((l) => l.includes("flood status normal -> alert"))!;
      expect(alarmLine).toMatch(/\u001b\[[0-9;]*31m/);
    } finally {
      term.close();
    }
    expect(await demo.stop()).toBe(0);
    demo = undefined;
  }, 150_000);
});

describe("pantau fleet", () => {
  it("lists the registry as a table and shows one unit", async () => {
    const list = await pantau(["fleet", "list", "--config", join(EXAMPLES, "gateway.json")]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^id +role +site +name +key +road$/);
    expect(list.stdout).toMatch(/^2103 +flood +smg-kali-semarang-02 +Kali Semarang gauge, Jl\. Bandarharjo +not yet +Jl\. Bandarharjo$/m);
    expect(list.stdout).toContain("4 units in");
    const show = await pantau(["fleet", "show", "2103", "--config", join(EXAMPLES, "gateway.json")]);
    expect(show.stdout).toContain("levels    reference 4.2 m, alert 1.5 m, danger 2.5 m");
    const missing = await pantau(["fleet", "show", "9999", "--config", join(EXAMPLES, "gateway.json")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("unit 9999 is not in");
    const nowhere = join(tempDir("pantau-fleet-"), "fleet.json");
    const none = await pantau(["fleet", "list", "--registry", nowhere]);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain(`there is no fleet registry at ${nowhere}`);
  });

  it.skipIf(!hasSocat)("gives a unit a new key: unit, keys file and registry together", async () => {
    const dir = join(tempDir("pantau-rotate-"), "site");
    cpSync(EXAMPLES, dir, { recursive: true });
    const config = join(dir, "gateway.json");
    unit = await startXsUnit({ site: "flood" }, 5);
    expect((await pantau(["provision", "--port", unit.path, "--id", "2103", "--config", config])).code).toBe(0);
    const before = (JSON.parse(readFileSync(join(dir, "keys.json"), "utf8")) as Record<string, string>)["2103"];
    const run = await pantau(["fleet", "rotate-key", "--port", unit.path, "--config", config]);
    expect(run.stderr).toBe("");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("unit 2103 has a new key, in the unit and the fleet files");
    const after = (JSON.parse(readFileSync(join(dir, "keys.json"), "utf8")) as Record<string, string>)["2103"];
    expect(after).not.toBe(before);
    expect(Buffer.from((await unit.state()).key as Uint8Array).toString("hex")).toBe(after);
    expect(statSync(join(dir, "keys.json")).mode & 0o777).toBe(0o600);
    // the unit now answers only under the new key: commissioning with the files works
    const list = await pantau(["fleet", "list", "--config", config]);
    expect(list.stdout).toMatch(/^2103 +flood .* yes /m);
  });
});
