import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_REFS, ConfigError, fileSchema, loadConfig } from "../../gateway/config.js";
import { describeErrors, prebuiltValidator, standaloneModule } from "../../gateway/schema.js";
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

describe("the build's validator (ajv standalone, npm run build)", () => {
  const built = new URL("../../dist/gateway/config.validator.cjs", import.meta.url);

  it("is generated from the schemas the gateway checks against, so `pantau gateway` uses it", () => {
    expect(prebuiltValidator(built, fileSchema(), CONFIG_REFS)).toBeTypeOf("function");
  });

  it("answers as the compiled schema does, with the same errors", () => {
    // the sources have no generated module beside gateway/config.ts: loadConfig here compiles.
    // This one is written inside the project, where its require of ajv's runtime resolves.
    const generated = new URL("../artifacts/config.validator.cjs", import.meta.url);
    mkdirSync(new URL(".", generated), { recursive: true });
    writeFileSync(generated, standaloneModule(fileSchema(), CONFIG_REFS));
    const validate = prebuiltValidator(generated, fileSchema(), CONFIG_REFS)!;
    const good = {
      serial: [{ path: "/dev/ttyUSB0", baudRate: 9600, link: "relay" }], mqtt: { host: "0.0.0.0", port: 1883 },
      upstream: { mqtt: { url: "mqtts://center:8883" } }, health: { battery: { flood: { lowV: 3.4, recoverV: 3.6 }, loop: null } },
    };
    expect(validate(good)).toBe(true);
    expect(() => loadConfig(configFile("good.json", good))).not.toThrow();
    const bad = [
      { serial: [{ path: "/dev/ttyACM0", link: "lora", baud: 1 }], mqtt: { port: 70000 } },
      { upstream: { mqtt: { url: "http://center" }, kafka: {} }, logLevel: 3 },
      { health: { battery: { nosuchrole: {} } }, security: { users: [{ username: "" }] } },
    ];
    for (const [i, content] of bad.entries()) {
      expect(validate(content)).toBe(false);
      const file = configFile(`bad-${i}.json`, content);
      expect(() => loadConfig(file)).toThrow(`${file}: ${describeErrors(validate.errors)}`);
    }
  });

  it("is not used for other schemas (a role registered at run time, a build older than the sources)", () => {
    expect(prebuiltValidator(built, { ...fileSchema(), title: "another" }, CONFIG_REFS)).toBeUndefined();
    expect(prebuiltValidator(built, fileSchema(), CONFIG_REFS.slice(1))).toBeUndefined();
  });
});
