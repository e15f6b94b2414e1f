import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../gateway/config.js";
import { tempDir } from "../support/temp.js";

const dir = tempDir("pantau-config-");

function configFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe("serial link kinds", () => {
  it("reads a LoRa bridge's port as a relay link", () => {
    const config = loadConfig(configFile("relay.json", { serial: [{ path: "/dev/ttyACM0", link: "relay" }, { path: "/dev/ttyUSB0" }] }));
    expect(config.serial.map((s) => s.link)).toEqual(["relay", "direct"]);
    expect(config.deprecations).toEqual([]);
  });

  it("still reads the old spelling \"bridge\" as relay, with one line saying what to write instead", () => {
    const config = loadConfig(configFile("old.json", { serial: [{ path: "/dev/ttyACM0", link: "bridge" }] }));
    expect(config.serial[0]!.link).toBe("relay");
    expect(config.deprecations).toEqual(['serial port /dev/ttyACM0: link "bridge" is deprecated, write "relay" (read as "relay")']);
  });

  it("refuses a link kind it does not know, naming the field", () => {
    expect(() => loadConfig(configFile("bad.json", { serial: [{ path: "/dev/ttyACM0", link: "lora" }] }))).toThrow(ConfigError);
    expect(() => loadConfig(configFile("bad.json", { serial: [{ path: "/dev/ttyACM0", link: "lora" }] }))).toThrow(/\/serial\/0\/link/);
  });
});
