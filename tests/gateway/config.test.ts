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

describe("upstream senders", () => {
  it("reads each sender under its kind's key, with TLS files relative to the config file", () => {
    const config = loadConfig(configFile("senders.json", { upstream: { mqtt: { url: "mqtts://center:8883", tls: { ca: "tls/ca.pem" } } } }));
    expect(config.upstream.mqtt).toEqual({ url: "mqtts://center:8883", tls: { ca: join(dir, "tls/ca.pem"), cert: undefined, key: undefined } });
    expect(config.deprecations).toEqual([]);
  });

  it("still reads the MQTT sender's options directly under upstream, with one line saying where they go now", () => {
    const config = loadConfig(configFile("flat.json", { upstream: { url: "mqtt://center:1883", clientId: "gw-north" } }));
    expect(config.upstream).toEqual({ mqtt: { url: "mqtt://center:1883", clientId: "gw-north" } });
    expect(config.deprecations).toEqual([
      'upstream: the MQTT sender\'s settings directly under "upstream" are deprecated, put them under "upstream.mqtt" (read as such)',
    ]);
  });

  it("checks a sender's options by its own schema, and refuses a kind it does not know, naming the path", () => {
    expect(() => loadConfig(configFile("bad-url.json", { upstream: { mqtt: { url: "http://center" } } }))).toThrow(/\/upstream\/mqtt\/url must match pattern/);
    expect(() => loadConfig(configFile("bad-flat.json", { upstream: { url: "http://center" } }))).toThrow(/\/upstream\/mqtt\/url must match pattern/);
    expect(() => loadConfig(configFile("bad-kind.json", { upstream: { kafka: { url: "x" } } }))).toThrow(/\/upstream must NOT have additional properties \(kafka\)/);
  });

  it("starts no sender when none is configured", () => {
    expect(loadConfig(configFile("none.json", {})).upstream).toEqual({});
  });
});
