import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserConfig } from "../../gateway/security/config.js";
import { waitFor } from "../support/mqtt.js";
import { connackCode, connect, grantedQos, PASSWORDS, record, startSecureBroker, testUsers, type SecureBroker } from "./broker.js";

let users: UserConfig[];
beforeAll(async () => {
  users = await testUsers();
});

describe("authentication outside demo mode", () => {
  let broker: SecureBroker;
  beforeAll(async () => {
    // the login back-off has its own tests (hostile.test.ts); here every wrong password is checked
    broker = await startSecureBroker({ users, limits: { loginBackoff: { freeFailures: 100 } } });
  });
  afterAll(() => broker.close());

  it("accepts a user with the right password", async () => {
    expect(await connackCode(broker.url, { username: "center", password: PASSWORDS.center })).toBe(0);
    expect(await connackCode(broker.url, { username: "7", password: PASSWORDS.dev7 })).toBe(0);
  });

  it("refuses a wrong password, an unknown user and a missing password with CONNACK 4", async () => {
    const before = broker.stats.refused.credentials;
    expect(await connackCode(broker.url, { username: "center", password: PASSWORDS.crew })).toBe(4);
    expect(await connackCode(broker.url, { username: "mallory", password: PASSWORDS.center })).toBe(4);
    expect(await connackCode(broker.url, { username: "crew" })).toBe(4);
    expect(broker.stats.refused.credentials - before).toBe(3);
  });

  it("refuses anonymous clients, even from loopback, with CONNACK 5", async () => {
    expect(await connackCode(broker.url)).toBe(5);
    expect(broker.stats.refused.anonymous).toBe(1);
  });

  it("refuses logins beyond 16 pending password checks with CONNACK 3 instead of queueing scrypt work", async () => {
    // from 8 addresses, 3 each: under the per-address share of the checks, so only the total limits them
    const from = (i: number) => `127.0.1.${1 + (i % 8)}`;
    const codes = await Promise.all(Array.from({ length: 24 }, (_, i) => connackCode(broker.url, { username: "center", password: "guess" }, from(i))));
    const busy = codes.filter((c) => c === 3).length;
    expect(busy).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 4).length).toBe(24 - busy);
    expect(broker.stats.refused.busy).toBe(busy);
  });

  it("counts only authenticated connections, and forgets them when they close", async () => {
    const client = await connect(broker.url, { username: "crew", password: PASSWORDS.crew });
    expect(broker.stats.connections()).toBe(1);
    await client.endAsync();
    await waitFor("connection count back to 0", () => broker.stats.connections() === 0);
  });
});

describe("demo mode", () => {
  let broker: SecureBroker;
  beforeAll(async () => {
    broker = await startSecureBroker({ users }, { demo: true });
  });
  afterAll(() => broker.close());

  it("lets anonymous loopback clients in with command-center rights", async () => {
    const client = await connect(broker.url);
    const seen = record(client);
    expect(await grantedQos(client, "pantau/#")).toBe(1);
    await client.publishAsync("pantau/v1/demo-site/101/command", '{"op":"requestStatus"}', { qos: 1 });
    await waitFor("own command echoed", () => seen.find((m) => m.topic === "pantau/v1/demo-site/101/command"));
    expect(await grantedQos(client, "$SYS/#")).toBe(128);
    await client.endAsync();
  });

  it("still checks the password of a client that gives a username", async () => {
    expect(await connackCode(broker.url, { username: "center", password: "guess" })).toBe(4);
  });
});

/** An address of this machine that is not loopback, if it has one. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
if (!lanAddress) console.warn("\n*** SKIPPING the non-loopback anonymous test: this machine has no non-loopback IPv4 address ***\n");

describe.skipIf(!lanAddress)("demo mode on a non-loopback address", () => {
  let broker: SecureBroker;
  beforeAll(async () => {
    broker = await startSecureBroker({ users }, { demo: true, listeners: { host: lanAddress! } });
  });
  afterAll(() => broker.close());

  it("refuses anonymous clients that do not come from loopback", async () => {
    const url = `mqtt://${lanAddress}:${broker.listeners.ports.tcp}`;
    expect(await connackCode(url)).toBe(5);
    expect(broker.stats.refused.anonymous).toBe(1);
    expect(await connackCode(url, { username: "crew", password: PASSWORDS.crew })).toBe(0);
  });
});
