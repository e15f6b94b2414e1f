// `pantau gateway --config FILE` started as a user starts it: a separate process, real files,
// a socat serial port and an MQTT client.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SerialPort } from "serialport";
import { slipEncode } from "../../shared/slip.js";
import { TEST_DEVICES, KEYS } from "../support/fleet.js";
import { freePort } from "../support/mosquitto.js";
import { collect, waitFor } from "../support/mqtt.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { hasSocat, ptyPair } from "../support/socat.js";
import { exitOf, startCli, type RunningCli } from "../support/cli.js";
import { hashPassword } from "../../gateway/security/scrypt.js";
import { tempDir } from "../support/temp.js";

const dir = tempDir("pantau-cli-");
const running: RunningCli[] = [];
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
});


describe("pantau gateway --config", () => {
  it("refuses a registry with a bad entry, naming it, and exits non-zero", async () => {
    const registry = join(dir, "bad-fleet.json");
    writeFileSync(registry, JSON.stringify({ devices: [TEST_DEVICES[0], { ...TEST_DEVICES[1], key: "not-hex" }] }));
    const config = join(dir, "bad.json");
    writeFileSync(config, JSON.stringify({ registry: "bad-fleet.json", mqtt: { port: await freePort() }, dataDir: join(dir, "data") }));
    const cli = startCli(["gateway", "--config", config]);
    running.push(cli);
    expect(await exitOf(cli)).toBe(1);
    expect(cli.stderr()).toContain("/devices/1/key must match pattern");
  });

  it("refuses a registry holding keys that others may read, saying which chmod to run", async () => {
    writeFileSync(join(dir, "open-fleet.json"), JSON.stringify({ devices: TEST_DEVICES }), { mode: 0o644 });
    const config = join(dir, "open.json");
    writeFileSync(config, JSON.stringify({ registry: "open-fleet.json", mqtt: { port: await freePort() }, dataDir: join(dir, "data") }));
    const cli = startCli(["gateway", "--config", config]);
    running.push(cli);
    expect(await exitOf(cli)).toBe(1);
    expect(cli.stderr()).toContain("holds device keys but has mode 0644; run: chmod 600");
    expect(cli.stderr()).not.toContain(KEYS.loop);
  });

  it("refuses an unknown config key with a clear message", async () => {
    const config = join(dir, "typo.json");
    writeFileSync(config, JSON.stringify({ mqqt: { port: 1 } }));
    const cli = startCli(["gateway", "--config", config]);
    running.push(cli);
    expect(await exitOf(cli)).toBe(1);
    expect(cli.stderr()).toMatch(/must NOT have additional properties \(mqqt\)/);
  });

  it.skipIf(!hasSocat)("reads a real serial port and publishes normalized readings", async () => {
    const pty = await ptyPair();
    try {
      // keys apart from the registry, in a file only the gateway's user may read
      writeFileSync(join(dir, "fleet.json"), JSON.stringify({ devices: TEST_DEVICES.map(({ key: _key, ...d }) => d) }));
      writeFileSync(join(dir, "keys.json"), JSON.stringify(Object.fromEntries(TEST_DEVICES.map((d) => [d.id, d.key]))), { mode: 0o600 });
      const mqttPort = await freePort();
      const config = join(dir, "gateway.json");
      const users = [{ username: "situation-room", role: "command-center", passwordHash: await hashPassword("s3cret-for-tests") }];
      writeFileSync(config, JSON.stringify({
        registry: "fleet.json", keys: "keys.json", mqtt: { port: mqttPort }, serial: [{ path: pty.gateway }], dataDir: join(dir, "data"), security: { users },
      }));
      const cli = startCli(["gateway", "--config", config]);
      running.push(cli);
      await waitFor("serial port open", () => cli.logs.find((l) => l.msg === "serial port open"), 15_000);
      const sub = await collect(`mqtt://situation-room:s3cret-for-tests@127.0.0.1:${mqttPort}`);
      const port = new SerialPort({ path: pty.device, baudRate: 115200 });
      const flood = new ScriptedDevice(103, KEYS.flood);
      port.write(Buffer.from(slipEncode(flood.frame("floodReport", SAMPLE_BODIES.floodReport))));
      port.write(Buffer.from([0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 0xc0])); // junk, logged and counted
      const m = await waitFor("flood reading", () => sub.messages.find((x) => x.topic === "pantau/v1/smg-kali-semarang-02/103/flood"));
      expect(m.payload).toMatchObject({ type: "FloodMonitoring", currentLevel: 1.15 });
      await waitFor("rejection log", () => cli.logs.find((l) => l.msg?.toString().startsWith("frame rejected") && l.reason === "cbor"));
      await sub.client.endAsync();
      await new Promise((r) => port.close(r));
      expect(await cli.stop()).toBe(0);
    } finally {
      await pty.close();
    }
  });
});
