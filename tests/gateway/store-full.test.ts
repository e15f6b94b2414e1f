// A gateway whose disk fills up: a real SQLite store on a small tmpfs (mounting one needs root
// with CAP_SYS_ADMIN, as in CI) that is filled to the last byte while a Wi-Fi unit keeps resending its readings.
// /healthz says so, every frame is counted under exactly one result, the log holds a handful of
// lines instead of one per frame, and everything is stored once, and acked, when space returns.

import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import mqtt, { type MqttClient } from "mqtt";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decode } from "../../shared/cbor.js";
import { openEnvelope, parseEnvelope, splitFrame } from "../../shared/envelope.js";
import { resolveConfig } from "../../gateway/config.js";
import { Gateway } from "../../gateway/gateway.js";
import { Registry } from "../../gateway/registry/registry.js";
import { hashPassword } from "../../gateway/security/scrypt.js";
import type { Store } from "../../gateway/store/store.js";
import { KEYS, TEST_DEVICES } from "../support/fleet.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { tempDir } from "../support/temp.js";

const root = tempDir("pantau-full-");
const mountPoint = join(root, "disk");
mkdirSync(mountPoint);

/** A 4 MiB tmpfs, when this machine allows mounting (root with CAP_SYS_ADMIN). */
function mountTmpfs(): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const realDisk = mountTmpfs();
// commits run in the commit thread on its own connection, so a size cap set on the event loop's
// connection (PRAGMA max_page_count) would not reach them: only a full file system will do
if (!realDisk) {
  const why = "store-full: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)";
  if (process.env.CI === "true") throw new Error(`${why}; CI must run this test`);
  console.warn(`\n*** ${why}: SKIPPING the full-disk test on this machine ***\n`);
}

/** Each frame's outcome, as /metrics reports it. */
async function frameCounts(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, result, value] of text.matchAll(/^pantau_frames_total\{result="([^"]+)"\} (\d+)$/gm)) counts[result!] = Number(value);
  return counts;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe.skipIf(!realDisk)("a store on a full disk", () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const filler = join(mountPoint, "filler");
  let gateway: Gateway;
  let unit: MqttClient;
  const acked = new Set<number>();

  beforeAll(async () => {
    const users = [{ username: "101", role: "device" as const, passwordHash: await hashPassword("loop-101-secret") }];
    const config = resolveConfig({ mqtt: { port: 0 }, http: { port: 0 }, security: { users }, dataDir: join(mountPoint, "data") }, process.cwd());
    gateway = await Gateway.start(config, new Registry(TEST_DEVICES), pino({ level: "info" }, sink));
    unit = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.broker.port}`, { username: "101", password: "loop-101-secret", reconnectPeriod: 0 });
    unit.on("message", (_topic, payload) => {
      const ack = openEnvelope(parseEnvelope(decode(splitFrame(Uint8Array.from(payload)).signed)));
      if (ack.type === "ack") acked.add((ack.body as { seq: number }).seq);
    });
    await unit.subscribeAsync("pantau/raw/101/down", { qos: 1 });
  });

  afterAll(async () => {
    await unit?.endAsync();
    await gateway?.stop();
    if (realDisk) execFileSync("umount", [mountPoint]);
  });

  /** Fills the file system to its last byte. */
  function fillDisk(): void {
    const chunk = Buffer.alloc(64 * 1024);
    let size = 0;
    for (;;) {
      try {
        writeFileSync(filler, chunk, { flag: "a" });
        size += chunk.length;
      } catch {
        break;
      }
    }
    // the last partial chunk too: not one block left
    try {
      writeFileSync(filler, Buffer.alloc(statfsSync(mountPoint).bavail * statfsSync(mountPoint).bsize), { flag: "a" });
    } catch {
      // full
    }
    expect(size).toBeGreaterThan(0);
  }

  function freeDisk(): void {
    rmSync(filler);
  }

  it("turns /healthz unhealthy with the reason, counts each frame once, logs a few lines, and stores everything once space returns", async () => {
    const device = new ScriptedDevice(101, KEYS.loop);
    const http = gateway.http!.port;
    const send = (frame: Uint8Array) => unit.publishAsync("pantau/raw/101", Buffer.from(frame), { qos: 1 });

    await send(device.frame("loopInterval", SAMPLE_BODIES.loopInterval));
    for (let tries = 0; !acked.has(0) && tries < 100; tries++) await new Promise((r) => setTimeout(r, 50));
    expect(acked.has(0)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${http}/healthz`)).status).toBe(200);

    fillDisk();
    // five readings, resent every 300 ms as a unit resends what is not acked (within the publish rate limit)
    const frames = [1, 2, 3, 4, 5].map(() => device.frame("loopInterval", SAMPLE_BODIES.loopInterval));
    const linesBefore = lines.length;
    let sent = 1;
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      for (const frame of frames) await send(frame);
      sent += frames.length;
      await new Promise((r) => setTimeout(r, 300));
    }
    let counts = await frameCounts(http);
    for (let tries = 0; sum(counts) < sent && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 50));
      counts = await frameCounts(http);
    }
    expect(gateway.broker.security.rateLimited.dropped).toBe(0);
    // each frame under exactly one result: accepted, or store-failed once the disk is full
    expect(sum(counts)).toBe(sent);
    expect(counts["accepted"]! + counts["store-failed"]!).toBe(sent);
    expect(counts["store-failed"]).toBeGreaterThanOrEqual(sent - 1);
    expect(acked.size).toBe(counts["accepted"]);

    const health = await fetch(`http://127.0.0.1:${http}/healthz`);
    expect(health.status).toBe(503);
    const body = (await health.json()) as { status: string; store: { ok: boolean; commitError: string; failedCommits: number } };
    expect(body.status).toBe("unhealthy");
    expect(body.store.ok).toBe(false);
    expect(body.store.commitError).toMatch(/SQLITE_FULL: database or disk is full/);
    expect(body.store.failedCommits).toBeGreaterThanOrEqual(5);

    // one line at the first failure, then at most one summary per 10 s: not one per frame
    const failureLines = lines.slice(linesBefore).filter((l) => Number(l.level) >= 40);
    expect(failureLines.length).toBeLessThanOrEqual(3);
    expect(failureLines[0]).toMatchObject({ msg: "store commit failed; frames not acknowledged" });

    freeDisk();
    const recovering = Date.now();
    while (!frames.every((_, i) => acked.has(i + 1))) {
      for (const frame of frames) await send(frame);
      await new Promise((r) => setTimeout(r, 300));
      if (Date.now() - recovering > 10_000) throw new Error("not acked after space returned");
    }
    expect((await fetch(`http://127.0.0.1:${http}/healthz`)).status).toBe(200);
    const stored = (gateway.store as Store).history({ deviceId: 101 });
    expect(stored.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
