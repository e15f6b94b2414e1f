// Users scoped to sites, against the real broker: a field crew reads only its sites, a command
// center reads and commands only its sites; an unscoped user keeps every site.

import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantsFor, mayCommandSite, mayReadSite } from "../../gateway/security/acl.js";
import { compileAccounts, SecurityConfigError } from "../../gateway/security/config.js";
import { hashPassword } from "../../gateway/security/scrypt.js";
import { waitFor } from "../support/mqtt.js";
import { closed, connect, FAST_COST, grantedQos, PASSWORDS, record, startSecureBroker, testUsers, type SecureBroker } from "./broker.js";

const NORTH = "north-1";
const SOUTH = "south-2";

describe("site-scoped users on the broker", () => {
  let broker: SecureBroker;
  let center: MqttClient;
  beforeAll(async () => {
    const hash = await hashPassword("scoped-pass", FAST_COST);
    broker = await startSecureBroker({
      users: [
        ...(await testUsers(FAST_COST)),
        { username: "crew-north", passwordHash: hash, role: "field-crew", sites: [NORTH] },
        { username: "cc-north", passwordHash: hash, role: "command-center", sites: [NORTH, "east-3"] },
      ],
    });
    center = await connect(broker.url, { username: "center", password: PASSWORDS.center });
  });
  afterAll(async () => {
    await center.endAsync();
    await broker.close();
  });

  it("lets a field crew subscribe within its sites only", async () => {
    const crew = await connect(broker.url, { username: "crew-north", password: "scoped-pass" });
    expect(await grantedQos(crew, `pantau/v1/${NORTH}/#`)).toBe(1);
    expect(await grantedQos(crew, `pantau/v1/${NORTH}/101/traffic`)).toBe(1);
    expect(await grantedQos(crew, `pantau/v1/${SOUTH}/#`)).toBe(128);
    expect(await grantedQos(crew, "pantau/v1/#")).toBe(128);
    expect(await grantedQos(crew, "pantau/v1/+/101/traffic")).toBe(128);
    const seen = record(crew);
    await center.publishAsync(`pantau/v1/${SOUTH}/7/command`, "south", { qos: 1 });
    await center.publishAsync(`pantau/v1/${NORTH}/7/command`, "north", { qos: 1 });
    await waitFor("the north message", () => seen.find((m) => m.payload === "north"));
    expect(seen.map((m) => m.payload)).toEqual(["north"]);
    await crew.endAsync();
  });

  it("lets a scoped command center command and read its sites, and disconnects it for another site's command", async () => {
    const watcher = record(center);
    await center.subscribeAsync("pantau/v1/+/+/command", { qos: 1 });
    const cc = await connect(broker.url, { username: "cc-north", password: "scoped-pass" });
    expect(await grantedQos(cc, `pantau/v1/${NORTH}/#`)).toBe(1);
    expect(await grantedQos(cc, "pantau/v1/east-3/+/command/result")).toBe(1);
    expect(await grantedQos(cc, `pantau/v1/${SOUTH}/#`)).toBe(128);
    // the raw frames carry no site, so only an unscoped command center reads them
    expect(await grantedQos(cc, "pantau/raw/#")).toBe(128);
    await cc.publishAsync(`pantau/v1/${NORTH}/101/command`, "to-north", { qos: 1 });
    await waitFor("the command to its own site", () => watcher.find((m) => m.payload === "to-north"));

    const denied = broker.stats.denied.publish;
    const gone = closed(cc);
    cc.publish(`pantau/v1/${SOUTH}/101/command`, "to-south", { qos: 1 });
    await gone;
    expect(broker.stats.denied.publish).toBe(denied + 1);
    await center.publishAsync(`pantau/v1/${NORTH}/1/command`, "barrier", { qos: 1 });
    await waitFor("barrier", () => watcher.find((m) => m.payload === "barrier"));
    expect(watcher.some((m) => m.payload === "to-south")).toBe(false);
    cc.end(true);
  });
});

describe("site checks for the HTTP API", () => {
  it("answer from the same grants as the broker", () => {
    const crew = grantsFor("field-crew", { sites: [NORTH] });
    const cc = grantsFor("command-center", { sites: [NORTH] });
    const everyCrew = grantsFor("field-crew");
    const everyCenter = grantsFor("command-center");
    expect([mayReadSite(crew, NORTH), mayReadSite(crew, SOUTH), mayCommandSite(crew, NORTH)]).toEqual([true, false, false]);
    expect([mayReadSite(cc, NORTH), mayCommandSite(cc, NORTH), mayCommandSite(cc, SOUTH)]).toEqual([true, true, false]);
    expect([mayReadSite(everyCrew, SOUTH), mayCommandSite(everyCrew, SOUTH)]).toEqual([true, false]);
    expect([mayReadSite(everyCenter, SOUTH), mayCommandSite(everyCenter, SOUTH)]).toEqual([true, true]);
    const device = grantsFor("device", { deviceId: 7 });
    expect([mayReadSite(device, NORTH), mayCommandSite(device, NORTH)]).toEqual([false, false]);
  });

  it("refuses sites that are not one topic level, an empty list, and sites on a device user", async () => {
    const passwordHash = await hashPassword("x", FAST_COST);
    const user = (sites: string[]) => ({ username: "u", passwordHash, role: "field-crew" as const, sites });
    expect(() => compileAccounts([user(["north/1"])])).toThrow(/"north\/1" is not a site id/);
    expect(() => compileAccounts([user(["#"])])).toThrow(SecurityConfigError);
    expect(() => compileAccounts([user([])])).toThrow(/sites is empty/);
    expect(() => compileAccounts([{ username: "7", passwordHash, role: "device", sites: [NORTH] }])).toThrow(/sites/);
  });
});
