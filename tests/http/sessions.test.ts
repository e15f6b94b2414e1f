// Page logins outlive a gateway restart: the store keeps each session by a hash of its token, and
// logout and idle expiry delete it. A real gateway, stopped and started on the same data folder.

import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../gateway/config.js";
import { Gateway } from "../../gateway/gateway.js";
import { createLogger } from "../../gateway/log.js";
import { Registry } from "../../gateway/registry/registry.js";
import { hashPassword } from "../../gateway/security/scrypt.js";
import { TEST_DEVICES } from "../support/fleet.js";
import { freePort } from "../support/mosquitto.js";
import { tempDir } from "../support/temp.js";
import { Client } from "./support.js";

const PASSWORD = "sandi lapangan";
const COOKIE = "pantau_session";

describe("page sessions across a gateway restart", () => {
  const dataDir = tempDir("pantau-sessions-");
  const file = join(dataDir, "pantau.db");
  let config: ReturnType<typeof resolveConfig>;
  let gateway: Gateway | undefined;
  let base: string;

  const start = async () => {
    gateway = await Gateway.start(config, new Registry(TEST_DEVICES), createLogger("silent"));
  };
  const restart = async () => {
    await gateway?.stop();
    await start();
  };
  /** the stored rows, read from the file itself */
  const rows = () => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare("SELECT token_hash, username, used_at FROM http_sessions").all() as Array<{ token_hash: string; username: string; used_at: number }>;
    } finally {
      db.close();
    }
  };
  const withCookie = (token: string) => fetch(`${base}/api/devices`, { headers: { cookie: `${COOKIE}=${token}` } });

  beforeAll(async () => {
    const users = [{ username: "lapangan", role: "field-crew" as const, passwordHash: await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }) }];
    // a fixed HTTP port, so the browser's cookie goes to the same origin after the restart
    const port = await freePort();
    config = resolveConfig({ mqtt: { port: 0 }, http: { port }, security: { users }, dataDir }, process.cwd());
    base = `http://127.0.0.1:${port}`;
    await start();
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("keeps a login across a restart, storing only a hash of its token", async () => {
    const c = new Client(base, PASSWORD);
    expect((await c.login("lapangan")).status).toBe(200);
    const token = c.cookie(COOKIE)!;
    await restart();
    expect(await c.session()).toMatchObject({ user: "lapangan", role: "field-crew" });
    expect((await c.call("/api/devices")).status).toBe(200);
    const stored = rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.username).toBe("lapangan");
    expect(stored[0]!.token_hash).not.toContain(token);
  });

  it("deletes the session at logout, for good", async () => {
    const c = new Client(base, PASSWORD);
    await c.login("lapangan");
    const token = c.cookie(COOKIE)!;
    const before = rows().length;
    expect((await c.call("/api/logout", { method: "POST", body: {} })).status).toBe(200);
    expect(rows()).toHaveLength(before - 1);
    await restart();
    expect((await withCookie(token)).status).toBe(401);
  });

  it("ends a session unused longer than the idle limit at its next request, and deletes it", async () => {
    const c = new Client(base, PASSWORD);
    await c.login("lapangan");
    const others = rows().length - 1;
    const db = new Database(file);
    // only this session: the newest login
    db.prepare("UPDATE http_sessions SET used_at = 0 WHERE used_at = (SELECT max(used_at) FROM http_sessions)").run();
    db.close();
    expect((await c.call("/api/devices")).status).toBe(401);
    expect(rows()).toHaveLength(others);
  });

  it("deletes the sessions that went unused longer than the idle limit while it was off", async () => {
    const c = new Client(base, PASSWORD);
    await c.login("lapangan");
    const token = c.cookie(COOKIE)!;
    await gateway?.stop();
    gateway = undefined;
    // the session was last used long ago (epoch), as if the gateway had been off for days
    const db = new Database(file);
    db.prepare("UPDATE http_sessions SET used_at = 0").run();
    db.close();
    await start();
    expect(rows()).toEqual([]);
    const { status, body } = await c.call("/api/devices");
    expect(status).toBe(401);
    expect(body.error).toMatch(/log in first/);
    expect((await withCookie(token)).status).toBe(401);
  });
});
