import { describe, expect, it } from "vitest";
import { refuseExposedDemo, resolveSecurityConfig } from "../../gateway/security/config.js";
import { LoginBackoff } from "../../gateway/security/login-backoff.js";
import { PendingConnections } from "../../gateway/security/pending.js";
import { FAST_COST, testUsers } from "./broker.js";

describe("LoginBackoff", () => {
  it("answers the free failures at once, then doubles the wait up to its cap", () => {
    const backoff = new LoginBackoff({ freeFailures: 2, baseMs: 100, maxMs: 350 });
    const waits: number[] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      backoff.failed("user:a", now);
      waits.push(backoff.waitMs("user:a", now));
      now += waits.at(-1)!;
    }
    expect(waits).toEqual([0, 100, 200, 350, 350]);
    expect(backoff.waitMs("user:b", now)).toBe(0);
  });

  it("forgets a key on success, and after ten times the cap without failures", () => {
    const backoff = new LoginBackoff({ freeFailures: 1, baseMs: 100, maxMs: 1000 });
    backoff.failed("user:a", 0);
    backoff.failed("address:x", 0);
    expect(backoff.waitMs("user:a", 50)).toBe(50);
    backoff.succeeded("user:a");
    expect(backoff.waitMs("user:a", 50)).toBe(0);
    backoff.failed("address:x", 10_000);
    backoff.failed("address:x", 20_001);
    // the earlier failures were forgotten: this is again the first one
    expect(backoff.waitMs("address:x", 20_001)).toBe(100);
  });
});

describe("PendingConnections", () => {
  it("closes the oldest connection of the address holding the most when full", () => {
    const evicted: string[] = [];
    const pending = new PendingConnections<string>(3, (c) => evicted.push(c));
    pending.add("a1", "A");
    pending.add("b1", "B");
    pending.add("a2", "A");
    pending.add("b2", "B");
    pending.add("a3", "A");
    // A held 2 of 3 when b2 came, B held 2 of 3 when a3 came
    expect(evicted).toEqual(["a1", "b1"]);
    expect(pending.size).toBe(3);
    pending.delete("a2");
    pending.delete("a2");
    expect(pending.size).toBe(2);
  });
});

describe("refuseExposedDemo", () => {
  it("allows loopback, and any address once users are configured", async () => {
    const none = resolveSecurityConfig(undefined, "/");
    expect(() => refuseExposedDemo("127.0.0.1", none)).not.toThrow();
    expect(() => refuseExposedDemo("::1", none)).not.toThrow();
    expect(() => refuseExposedDemo("localhost", none)).not.toThrow();
    expect(() => refuseExposedDemo("0.0.0.0", none)).toThrow(/--mqtt-host 0\.0\.0\.0 is not loopback.*security\.users/);
    expect(() => refuseExposedDemo("192.168.1.20", none)).toThrow(/not loopback/);
    const withUsers = resolveSecurityConfig({ users: await testUsers(FAST_COST) }, "/");
    expect(() => refuseExposedDemo("0.0.0.0", withUsers)).not.toThrow();
  });
});
