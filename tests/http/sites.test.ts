// Users scoped to sites on the HTTP side: the API, the alarms and the live stream show them
// their sites only, and a command center commands only its own.

import { Aedes } from "aedes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHttp } from "../../gateway/http/server.js";
import { hashPassword } from "../../gateway/security/scrypt.js";
import type { Store } from "../../gateway/store/store.js";
import { reading, startTestHttp, tempStore } from "./support.js";

const PASSWORD = "kata sandi panjang";
const PEMUDA = "smg-pemuda-01";
const KALI = "smg-kali-semarang-02";
let http: RunningHttp;
let base: string;
let store: Store;
let aedes: Aedes;
let cleanup: () => void;

beforeAll(async () => {
  ({ store, cleanup } = tempStore());
  store.commit([reading(101, 0, { site: PEMUDA }), reading(103, 0, { site: KALI, kind: "flood" })]);
  aedes = await Aedes.createBroker({ id: "pantau-http-test" });
  const passwordHash = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
  http = await startTestHttp(store, {
    aedes,
    access: {
      demo: false,
      users: [
        { username: "kru-pemuda", passwordHash, role: "field-crew", sites: [PEMUDA] },
        { username: "pusat-pemuda", passwordHash, role: "command-center", sites: [PEMUDA] },
        { username: "pusat", passwordHash, role: "command-center" },
      ],
    },
  });
  base = `http://127.0.0.1:${http.port}`;
});

afterAll(async () => {
  await http.close();
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
  cleanup();
});

/** Logs in and returns the cookie header and CSRF token for later calls. */
async function logIn(username: string): Promise<{ headers: Record<string, string> }> {
  const first = await fetch(`${base}/api/session`);
  const { csrfToken } = (await first.json()) as { csrfToken: string };
  const csrfCookie = first.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await fetch(`${base}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken, cookie: csrfCookie },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const session = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { headers: { cookie: `${csrfCookie}; ${session}`, "x-csrf-token": csrfToken } };
}

async function get(who: { headers: Record<string, string> }, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(base + path, { headers: who.headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function publish(topic: string, payload: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    aedes.publish({ cmd: "publish", topic, payload: Buffer.from(JSON.stringify(payload)), qos: 0, retain: false, dup: false }, (err) => (err ? reject(err) : resolve()));
  });
}

describe("a user scoped to one site", () => {
  it("sees that site's units only; the others answer 404 as if absent", async () => {
    const crew = await logIn("kru-pemuda");
    const { body } = await get(crew, "/api/devices");
    expect((body.devices as Array<{ id: number }>).map((d) => d.id)).toEqual([101, 102]);
    expect(await get(crew, "/api/devices/103")).toMatchObject({ status: 404, body: { error: "no device 103 in the fleet registry" } });
    expect((await get(crew, "/api/devices/103/readings")).status).toBe(404);
    const latest = (await get(crew, "/api/readings/latest")).body.readings as Array<{ topic: string }>;
    expect(latest.map((r) => r.topic)).toEqual([`pantau/v1/${PEMUDA}/101/traffic`]);
  });

  it("commands only its own site as a command center", async () => {
    const center = await logIn("pusat-pemuda");
    expect((await get(center, "/api/devices/102/command-form")).status).toBe(200);
    const everywhere = await logIn("pusat");
    expect((await get(everywhere, "/api/devices")).body.devices).toHaveLength(3);
    expect((await get(center, "/api/devices/103/command-form")).status).toBe(404);
  });

  it("gets only its sites' messages on the live stream", async () => {
    const crew = await logIn("kru-pemuda");
    const abort = new AbortController();
    const res = await fetch(`${base}/api/live`, { headers: crew.headers, signal: abort.signal });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = "";
    const until = async (marker: string) => {
      while (!text.includes(marker)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await until("retry:");
    await publish(`pantau/v1/${KALI}/103/flood`, { deviceId: 103, currentLevel: 2.1 });
    await publish(`pantau/v1/${PEMUDA}/101/traffic`, { deviceId: 101, intensity: 7 });
    await publish(`pantau/v1/${PEMUDA}/102/command`, { op: "reboot" });
    await publish(`pantau/v1/${PEMUDA}/102/command/result`, { commandId: 1, deviceId: 102, state: "applied" });
    await until('"state":"applied"');
    abort.abort();
    const events = text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => JSON.parse(e.slice(6)) as { topic: string });
    // the other site's flood and the command itself are withheld; readings and results pass
    expect(events.map((e) => e.topic)).toEqual([`pantau/v1/${PEMUDA}/101/traffic`, `pantau/v1/${PEMUDA}/102/command/result`]);
  });
});
