import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import registrySchema from "../../gateway/registry/registry.schema.json" with { type: "json" };
import { addSchema, compileSchema, describeErrors } from "../../gateway/schema.js";
import { filterWithin, grantsFor, mayPublish, mayRead, maySubscribe, topicMatches } from "../../gateway/security/acl.js";
import { compileAccounts, DEFAULT_LIMITS, resolveSecurityConfig, SecurityConfigError } from "../../gateway/security/config.js";
import { PublishLimiter } from "../../gateway/security/rate-limit.js";
import { REDACT_PATHS } from "../../gateway/security/redact.js";
import { isLoopback } from "../../gateway/security/remote.js";
import {
  formatPasswordHash,
  hashPassword,
  parsePasswordHash,
  PASSWORD_HASH_PATTERN,
  verifyPassword,
} from "../../gateway/security/scrypt.js";
import schema from "../../gateway/security/security.schema.json" with { type: "json" };

const split = (t: string) => t.split("/");
/** cheap cost for unit tests; the broker tests use the default */
const FAST = { N: 1024, r: 8, p: 1 };

describe("topic matching", () => {
  it("matches concrete topics like MQTT, with + never matching an empty level", () => {
    expect(topicMatches(split("pantau/#"), split("pantau"))).toBe(true);
    expect(topicMatches(split("pantau/#"), split("pantau/v1/a/1/traffic"))).toBe(true);
    expect(topicMatches(split("pantau/v1/+/+/command"), split("pantau/v1/a/1/command"))).toBe(true);
    expect(topicMatches(split("pantau/v1/+/+/command"), split("pantau/v1//1/command"))).toBe(false);
    expect(topicMatches(split("pantau/v1/+/+/command"), split("pantau/v1/a/1/command/result"))).toBe(false);
    expect(topicMatches(split("pantau/raw/7"), split("pantau/raw/77"))).toBe(false);
  });

  it("accepts a filter only when all it can match is inside the grant", () => {
    expect(filterWithin(split("pantau/v1/#"), split("pantau/#"))).toBe(true);
    expect(filterWithin(split("pantau/+/x/#"), split("pantau/#"))).toBe(true);
    expect(filterWithin(split("pantau"), split("pantau/#"))).toBe(true);
    expect(filterWithin(split("#"), split("pantau/#"))).toBe(false);
    expect(filterWithin(split("+/v1/#"), split("pantau/#"))).toBe(false);
    expect(filterWithin(split("pantau/+/down"), split("pantau/raw/down"))).toBe(false);
    expect(filterWithin(split("pantau/raw/7/down/#"), split("pantau/raw/7/down"))).toBe(false);
    expect(filterWithin(split("pantau/a/b"), split("pantau/+/b"))).toBe(true);
  });
});

describe("role grants", () => {
  const center = grantsFor("command-center");
  const crew = grantsFor("field-crew");
  const device = grantsFor("device", { deviceId: 42 });

  it("command-center: commands only, reads pantau/#", () => {
    expect(mayPublish(center, "pantau/v1/site-a/42/command")).toBe(true);
    expect(mayPublish(center, "pantau/v1/site-a/42/command/result")).toBe(false);
    expect(mayPublish(center, "pantau/v1/+/42/command")).toBe(false);
    expect(maySubscribe(center, "pantau/#")).toBe(true);
    expect(maySubscribe(center, "$SYS/#")).toBe(false);
    expect(mayRead(center, "pantau/raw/42")).toBe(true);
  });

  it("field-crew: nothing to publish, reads pantau/v1/#", () => {
    expect(mayPublish(crew, "pantau/v1/site-a/42/command")).toBe(false);
    expect(maySubscribe(crew, "pantau/v1/+/42/status")).toBe(true);
    expect(maySubscribe(crew, "pantau/raw/#")).toBe(false);
    expect(mayRead(crew, "pantau/raw/42")).toBe(false);
  });

  it("device: its own raw topic out, its own downlink in", () => {
    expect(mayPublish(device, "pantau/raw/42")).toBe(true);
    expect(mayPublish(device, "pantau/raw/43")).toBe(false);
    expect(mayPublish(device, "pantau/raw/42/down")).toBe(false);
    expect(maySubscribe(device, "pantau/raw/42/down")).toBe(true);
    expect(maySubscribe(device, "pantau/raw/+/down")).toBe(false);
  });

  it("never lets anyone publish $ topics", () => {
    const all = { publish: [split("#")], read: [] };
    expect(mayPublish(all, "$SYS/broker/heartbeat")).toBe(false);
    expect(mayPublish(all, "$share/x")).toBe(false);
    expect(mayPublish(all, "a/b")).toBe(true);
  });
});

describe("PublishLimiter", () => {
  it("passes a burst, then the refill rate, and disconnects after too many drops in a window", () => {
    const limiter = new PublishLimiter({ ratePerSecond: 10, burst: 3, disconnectAfterDrops: 2 }, 0);
    expect([0, 0, 0, 0, 0].map(() => limiter.admit(0))).toEqual(["pass", "pass", "pass", "drop", "drop"]);
    expect(limiter.admit(100)).toBe("pass"); // 100 ms at 10/s refills one token
    expect(limiter.admit(100)).toBe("disconnect");
  });

  it("forgets drops in a new window and never exceeds the burst", () => {
    const limiter = new PublishLimiter({ ratePerSecond: 1, burst: 2, disconnectAfterDrops: 1 }, 0);
    limiter.admit(0);
    limiter.admit(0);
    expect(limiter.admit(0)).toBe("drop");
    expect(limiter.admit(60_000)).toBe("pass");
    expect(limiter.admit(60_000)).toBe("pass");
    expect(limiter.admit(60_000)).toBe("drop");
  });

  it("never disconnects with disconnectAfterDrops 0", () => {
    const limiter = new PublishLimiter({ ratePerSecond: 1, burst: 1, disconnectAfterDrops: 0 }, 0);
    limiter.admit(0);
    expect(new Set(Array.from({ length: 1000 }, () => limiter.admit(1)))).toEqual(new Set(["drop"]));
  });
});

describe("scrypt password hashes", () => {
  it("round-trips: the right password verifies, a wrong one does not", async () => {
    const encoded = await hashPassword("correct horse", FAST);
    expect(encoded).toMatch(/^scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    const parsed = parsePasswordHash(encoded);
    expect(formatPasswordHash(parsed)).toBe(encoded);
    expect(await verifyPassword(Buffer.from("correct horse"), parsed)).toBe(true);
    expect(await verifyPassword(Buffer.from("correct horsf"), parsed)).toBe(false);
    expect(await verifyPassword(Buffer.alloc(0), parsed)).toBe(false);
  });

  it("uses N=16384, r=8, p=1 by default and a fresh salt each time", async () => {
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a.startsWith("scrypt$N=16384,r=8,p=1$")).toBe(true);
    expect(a).not.toBe(b);
  });

  it("verifies a hash computed independently with node:crypto", async () => {
    const { scryptSync } = await import("node:crypto");
    const salt = Buffer.from("0123456789abcdef");
    const hash = scryptSync("pw", salt, 32, { N: 1024, r: 8, p: 1 });
    const encoded = `scrypt$N=1024,r=8,p=1$${salt.toString("base64")}$${hash.toString("base64")}`;
    expect(await verifyPassword(Buffer.from("pw"), parsePasswordHash(encoded))).toBe(true);
  });

  it("rejects malformed or dangerous hash strings", () => {
    const salt = Buffer.alloc(16).toString("base64");
    const hash = Buffer.alloc(32).toString("base64");
    expect(() => parsePasswordHash("plaintext")).toThrow(/pantau passwd/);
    expect(() => parsePasswordHash(`scrypt$N=1000,r=8,p=1$${salt}$${hash}`)).toThrow(/power of two/);
    expect(() => parsePasswordHash(`scrypt$N=1048576,r=8,p=1$${salt}$${hash}`)).toThrow(/256 MiB/);
    expect(() => parsePasswordHash(`scrypt$N=1024,r=8,p=1$${Buffer.alloc(8).toString("base64")}$${hash}`)).toThrow(/salt/);
    expect(() => parsePasswordHash(`scrypt$N=1024,r=8,p=1$${salt}$${Buffer.alloc(8).toString("base64")}`)).toThrow(/hash length/);
  });
});

describe("isLoopback", () => {
  it("knows 127.0.0.0/8, ::1 and IPv4-mapped loopback, and nothing else", () => {
    for (const a of ["127.0.0.1", "127.45.6.7", "::1", "::ffff:127.0.0.1", "::FFFF:127.9.9.9"]) expect(isLoopback(a), a).toBe(true);
    for (const a of ["10.0.0.1", "128.0.0.1", "::ffff:10.0.0.1", "fe80::1", "::", "0.0.0.0", "localhost", "", undefined]) {
      expect(isLoopback(a), String(a)).toBe(false);
    }
  });
});

describe("security config", () => {
  // a user's sites are registry site ids
  addSchema(registrySchema);
  const validate = compileSchema(schema);

  it("the schema compiles under the gateway's strict ajv and shares the hash pattern with the code", () => {
    expect(schema.properties.users.items.properties.passwordHash.pattern).toBe(PASSWORD_HASH_PATTERN);
    expect(validate({})).toBe(true);
  });

  it("accepts a full config and rejects bad entries with named paths", async () => {
    const passwordHash = await hashPassword("x", FAST);
    const full = {
      users: [
        { username: "cc", passwordHash, role: "command-center" },
        { username: "crew-north", passwordHash, role: "field-crew", sites: ["smg-north-01"] },
        { username: "101", passwordHash, role: "device" },
        { username: "wifi-loop", passwordHash, role: "device", deviceId: 102 },
      ],
      limits: {
        maxConnections: 50, maxConnectionsPerUser: 2, maxPendingConnections: 20, connectTimeoutMs: 3000, maxPacketBytes: 8192,
        publish: { ratePerSecond: 5, burst: 10, disconnectAfterDrops: 0 },
        loginBackoff: { freeFailures: 5, baseMs: 500, maxMs: 30_000 },
      },
      tls: { port: 8883, keyFile: "tls/key.pem", certFile: "tls/cert.pem" },
      ws: { port: 8080, host: "0.0.0.0", path: "/mqtt" },
    };
    expect(validate(full), describeErrors(validate.errors)).toBe(true);
    expect(validate({ users: [{ username: "cc", passwordHash: "hunter2", role: "command-center" }] })).toBe(false);
    expect(describeErrors(validate.errors)).toMatch(/\/users\/0\/passwordHash must match pattern/);
    expect(validate({ users: [{ username: "cc", passwordHash, role: "field-crew", deviceId: 3 }] })).toBe(false);
    expect(describeErrors(validate.errors)).toMatch(/\/users\/0\/deviceId/);
    expect(validate({ users: [{ username: "cc", passwordHash, role: "admin" }] })).toBe(false);
    expect(validate({ users: [{ username: "crew", passwordHash, role: "field-crew", sites: ["North/1"] }] })).toBe(false);
    expect(describeErrors(validate.errors)).toMatch(/\/users\/0\/sites\/0 must match pattern/);
    expect(validate({ users: [{ username: "101", passwordHash, role: "device", sites: ["north"] }] })).toBe(false);
    expect(validate({ limits: { maxPacketBytes: 10 } })).toBe(false);
    expect(validate({ tls: { port: 8883 } })).toBe(false);
  });

  it("fills in defaults and resolves TLS files against the config folder", () => {
    const config = resolveSecurityConfig(
      { limits: { publish: { burst: 5 } }, tls: { port: 8883, keyFile: "k.pem", certFile: "/etc/c.pem" }, ws: { port: 9001 } },
      "/srv/pantau",
    );
    expect(config.users).toEqual([]);
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, publish: { ...DEFAULT_LIMITS.publish, burst: 5 } });
    expect(config.tls).toEqual({ port: 8883, keyFile: "/srv/pantau/k.pem", certFile: "/etc/c.pem" });
    expect(config.ws).toEqual({ port: 9001, path: "/mqtt" });
    expect(resolveSecurityConfig(undefined, "/").tls).toBeUndefined();
  });

  it("names the bad user entry: unparsable hash, duplicate name, device without an id", async () => {
    const passwordHash = await hashPassword("x", FAST);
    expect(() => compileAccounts([{ username: "a", passwordHash: "scrypt$N=3,r=8,p=1$AAAA$AAAA", role: "field-crew" }])).toThrow(
      /security\.users\[0\] \("a"\): passwordHash N=3 is not a power of two/,
    );
    expect(() =>
      compileAccounts([
        { username: "a", passwordHash, role: "field-crew" },
        { username: "a", passwordHash, role: "command-center" },
      ]),
    ).toThrow(/users\[1\] \("a"\): duplicate username/);
    expect(() => compileAccounts([{ username: "pump-3", passwordHash, role: "device" }])).toThrow(SecurityConfigError);
    expect(() => compileAccounts([{ username: "70000", passwordHash, role: "device" }])).toThrow(/deviceId 1\.\.65535/);
    const device = compileAccounts([{ username: "101", passwordHash, role: "device" }]).get("101");
    expect(device?.grants.publish).toEqual([["pantau", "raw", "101"]]);
  });
});

describe("REDACT_PATHS", () => {
  it("keeps keys and passwords out of pino output", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = pino({ redact: { paths: [...REDACT_PATHS], censor: "[redacted]" } }, sink);
    log.info({ key: "00112233445566778899aabbccddeeff", device: { id: 7, keyBytes: Uint8Array.of(0xde, 0xad) } }, "a");
    log.info({ user: { password: "hunter2", passwordHash: "scrypt$..." }, ctx: { device: { key: "cafebabe" } } }, "b");
    const [a, b] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a?.key).toBe("[redacted]");
    expect(a?.device).toEqual({ id: 7, keyBytes: "[redacted]" });
    expect(b?.user).toEqual({ password: "[redacted]", passwordHash: "[redacted]" });
    expect(b?.ctx).toEqual({ device: { key: "[redacted]" } });
  });
});
