// Logins, sessions and CSRF on the HTTP side, outside demo mode: the gateway's users with their
// scrypt hashes, HttpOnly SameSite cookies, a token on every change, look-only field crews.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHttp } from "../../gateway/http/server.js";
import { hashPassword } from "../../gateway/security/scrypt.js";
import type { Store } from "../../gateway/store/store.js";
import { Client, startTestHttp, tempStore } from "./support.js";

const PASSWORD = "correct horse battery staple";
let http: RunningHttp;
let base: string;
let store: Store;
let cleanup: () => void;

beforeAll(async () => {
  ({ store, cleanup } = tempStore());
  const passwordHash = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
  http = await startTestHttp(store, {
    access: {
      demo: false,
      // each test's failures stay below the wait, except the one that checks it
      loginBackoff: { freeFailures: 8, baseMs: 60_000, maxMs: 60_000 },
      users: [
        { username: "pusat", passwordHash, role: "command-center" },
        { username: "lapangan", passwordHash, role: "field-crew" },
        { username: "101", passwordHash, role: "device" },
      ],
    },
  });
  base = `http://127.0.0.1:${http.port}`;
});

afterAll(async () => {
  await http.close();
  cleanup();
});

describe("without a login (not demo mode)", () => {
  it("refuses the API with 401 and says how to log in, while /healthz stays open", async () => {
    const c = new Client(base, PASSWORD);
    const res = await c.call("/api/devices");
    expect(res).toMatchObject({ status: 401, body: { error: expect.stringMatching(/^log in first/) } });
    expect((await c.call("/healthz")).status).toBe(200);
    expect(await c.session()).toMatchObject({ user: null, role: null, mayCommand: false, demo: false });
  });
});

describe("POST /api/login", () => {
  it("needs the CSRF token", async () => {
    const c = new Client(base, PASSWORD);
    await c.session();
    const res = await c.call("/api/login", { method: "POST", body: { username: "pusat", password: PASSWORD }, csrf: false });
    expect(res).toMatchObject({ status: 403, body: { error: "Invalid csrf token" } });
  });

  it.each([
    ["a wrong password", { username: "pusat", password: "nope" }, 401, "wrong username or password"],
    ["an unknown user", { username: "siapa", password: PASSWORD }, 401, "wrong username or password"],
    ["a device account", { username: "101", password: PASSWORD }, 403, "a device account cannot log in to the page; use a command-center or field-crew user"],
    ["no password", { username: "pusat" }, 400, 'send JSON {"username": "...", "password": "..."}'],
  ])("refuses %s", async (_what, body, status, error) => {
    const c = new Client(base, PASSWORD);
    await c.session();
    expect(await c.call("/api/login", { method: "POST", body })).toMatchObject({ status, body: { error } });
    expect((await c.call("/api/devices")).status).toBe(401);
  });

  it("sets an HttpOnly, SameSite=Strict session cookie", async () => {
    const c = new Client(base, PASSWORD);
    expect(await c.login("lapangan")).toMatchObject({ status: 200, body: { user: "lapangan", role: "field-crew", mayCommand: false } });
    const cookie = c.setCookies.find((l) => l.startsWith("pantau_session="))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(c.setCookies.find((l) => l.startsWith("_csrf="))).toMatch(/HttpOnly; SameSite=Strict/);
  });
});

describe("a field-crew login", () => {
  it("sees the fleet but cannot command", async () => {
    const c = new Client(base, PASSWORD);
    await c.login("lapangan");
    expect((await c.call("/api/devices")).status).toBe(200);
    expect((await c.call("/api/alarms")).body).toEqual({ alarms: [] });
    const res = await c.call("/api/devices/102/commands", { method: "POST", body: { op: "requestStatus" } });
    expect(res).toMatchObject({ status: 403, body: { error: expect.stringMatching(/only a command-center user may send commands/) } });
  });
});

describe("a command-center login", () => {
  it("has each command checked by the command schema and the unit's settings before anything is queued", async () => {
    const c = new Client(base, PASSWORD);
    await c.login("pusat");
    expect(await c.call("/api/devices/102/commands", { method: "POST", body: { op: "requestStatus" }, csrf: false })).toMatchObject({ status: 403 });
    expect(await c.call("/api/devices/102/commands", { method: "POST", body: { op: "setSign", limitKmh: 500 } }))
      .toMatchObject({ status: 400, body: { error: "/limitKmh must be <= 200" } });
    expect(await c.call("/api/devices/102/commands", { method: "POST", body: { op: "launch" } }))
      .toMatchObject({ status: 400, body: { error: expect.stringMatching(/^\/op must be equal to one of the allowed values/) } });
    expect(await c.call("/api/devices/102/commands", { method: "POST", body: { op: "setFlood", alertMm: 900 } }))
      .toMatchObject({ status: 400, body: { error: "alertMm is a flood setting; device 102 is a sign unit" } });
    expect(await c.call("/api/devices/999/commands", { method: "POST", body: { op: "requestStatus" } })).toMatchObject({ status: 404 });
    expect(store.commandList({ deviceId: 102 })).toEqual([]);
  });

  it("offers only the forms the unit takes, with the schema's bounds", async () => {
    const c = new Client(base, PASSWORD);
    await c.login("pusat");
    const { body } = await c.call("/api/devices/103/command-form");
    const ops = body.ops as Array<{ op: string; fields: Array<{ name: string }> }>;
    expect(ops.map((o) => o.op)).toEqual(["setFlood", "setIntervals", "requestStatus", "reboot", "setTime"]);
    expect(ops.find((o) => o.op === "setIntervals")!.fields.map((f) => f.name)).toEqual(["statusS", "reportIntervalS", "fastIntervalS"]);
    expect(ops[0]!.fields.find((f) => f.name === "alertMm")).toEqual({ name: "alertMm", minimum: -20000, maximum: 20000 });
  });

  it("is logged out by POST /api/logout", async () => {
    const c = new Client(base, PASSWORD);
    await c.login("pusat");
    expect((await c.call("/api/devices")).status).toBe(200);
    expect((await c.call("/api/logout", { method: "POST", body: {} })).status).toBe(200);
    expect((await c.call("/api/devices")).status).toBe(401);
  });
});

// last: the back-off also holds this test process's address
describe("failed logins", () => {
  it("backs off after repeated failures for a username, before checking any password (429)", async () => {
    const c = new Client(base, PASSWORD);
    await c.session();
    let res = await c.call("/api/login", { method: "POST", body: { username: "tebak", password: "0" } });
    for (let i = 1; res.status === 401 && i < 20; i++) res = await c.call("/api/login", { method: "POST", body: { username: "tebak", password: String(i) } });
    expect(res).toMatchObject({ status: 429, body: { error: "too many failed logins, next try in 60 s" } });
  });
});
