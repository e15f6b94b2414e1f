// The CLI as a newcomer meets it: a version, usage errors that say what is wrong, busy ports
// named with the option that moves them, no temp store left behind, readable logs in a terminal,
// and examples that run as they are.

import { spawnSync } from "node:child_process";
import { cpSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loraAirtimeMs } from "../../shared/airtime.js";
import { CLI, exitOf, startCli, type RunningCli } from "../support/cli.js";
import { freePort } from "../support/mosquitto.js";
import { waitFor } from "../support/mqtt.js";
import { tempDir } from "../support/temp.js";
import { closeTerminals, hasTmux, openTerminal } from "../support/tmux.js";

const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;
const running: RunningCli[] = [];
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  closeTerminals();
});

function pantau(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function busyPort(): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, server };
}

describe("pantau, the command line", () => {
  it("tells its version", () => {
    const r = pantau(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^pantau \d+\.\d+\.\d+ \(firmware \d+\.\d+\.\d+\)$/);
  });

  it("refuses a mistyped command, suggesting the right one, instead of starting the demo", () => {
    const r = pantau(["gatway"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'gatway'");
    expect(r.stderr).toContain("Did you mean gateway?");
    expect(r.stderr).not.toContain("demo");
  });

  it("refuses unknown options and bad values, naming them", () => {
    const unknown = pantau(["demo", "--mqtt-prot", "1"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--mqtt-prot'");
    const bad = pantau(["airtime", "--bytes", "300"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--bytes <n>' argument '300' is invalid. must be a whole number in 1..255");
  });

  it("says which port is busy, MQTT or HTTP, and which option moves it; the demo leaves no store behind", async () => {
    const tmp = tempDir("pantau-tmp-");
    const busy = await busyPort();
    try {
      const mqtt = pantau(["demo", "--mqtt-port", String(busy.port), "--http-port", String(await freePort())], { TMPDIR: tmp });
      expect(mqtt.status).toBe(1);
      expect(mqtt.stderr).toContain(`pantau: MQTT port 127.0.0.1:${busy.port} is already in use`);
      expect(mqtt.stderr).toContain("choose another with --mqtt-port");
      const http = pantau(["demo", "--mqtt-port", String(await freePort()), "--http-port", String(busy.port)], { TMPDIR: tmp });
      expect(http.status).toBe(1);
      expect(http.stderr).toContain(`pantau: HTTP port 127.0.0.1:${busy.port} is already in use`);
      expect(http.stderr).toContain("choose another with --http-port");
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      busy.server.close();
    }
  });

  it("removes the demo's store when stopped", async () => {
    const tmp = tempDir("pantau-tmp-");
    const cli = startCli(["demo", "--mqtt-port", String(await freePort()), "--http-port", String(await freePort())], { TMPDIR: tmp });
    running.push(cli);
    const ready = await waitFor("ready", () => cli.logs.find((l) => String(l.msg).startsWith("ready:")), 20_000);
    expect(ready.msg).toMatch(/devices: 1 loop, 1 sign, 2 flood, 1 bridge; next, try: pantau watch --mqtt mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(readdirSync(tmp)).toHaveLength(1);
    expect(await cli.stop()).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("prints time on air and the frames per hour a duty cycle allows", () => {
    const r = pantau(["airtime", "--bytes", "51", "--sf", "10", "--json"]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: Array<{ sf: number; airtimeMs: number; reportsPerHour: number }> };
    const ms = loraAirtimeMs({ payloadBytes: 51, spreadingFactor: 10 });
    expect(out.rows).toEqual([{ sf: 10, airtimeMs: ms, waitS: (ms * 99) / 1000, reportsPerHour: Math.floor(36_000 / ms) }]);
    const text = pantau(["airtime", "--bytes", "51"]);
    expect(text.stdout).toContain("51-byte frame at 125 kHz, coding rate 4/5, 1 % duty cycle");
    expect(text.stdout.split("\n").filter((l) => /^SF\d+ /.test(l))).toHaveLength(6);
  });

  it("runs the example gateway config and fleet as they are, the planned units awaiting their keys", async () => {
    const dir = join(tempDir("pantau-examples-"), "examples");
    cpSync(EXAMPLES, dir, { recursive: true });
    const cli = startCli(["gateway", "--config", join(dir, "gateway.json"), "--mqtt-port", String(await freePort()), "--http-port", String(await freePort())]);
    running.push(cli);
    const ready = await waitFor("ready", () => cli.logs.find((l) => String(l.msg).startsWith("ready:")), 20_000);
    expect(ready.msg).toContain("none in service (2101, 2102, 2103, 2104 listed without a key: provision them with pantau provision)");
    expect(await cli.stop()).toBe(0);
    expect(await exitOf(cli)).toBe(0);
  });

  it.skipIf(!hasTmux)("logs in local time and plain words on a terminal, JSON lines elsewhere", async () => {
    const term = openTerminal([process.execPath, CLI, "demo", "--mqtt-port", String(await freePort()), "--http-port", String(await freePort())]);
    try {
      const screen = await waitFor("ready on screen", () => (term.screen().includes("ready:") ? term.screen() : undefined), 20_000);
      expect(screen).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: ready: MQTT mqtt:\/\/127\.0\.0\.1:\d+/m);
      expect(screen).not.toContain('{"level"');
      expect(term.screenWithColour()).toContain("\u001b[");
      term.keys("C-c");
      await waitFor("stopped", () => (term.alive() ? undefined : true), 10_000);
      expect(term.screen()).toContain("[exit 0]");
    } finally {
      term.close();
    }
  });
});
