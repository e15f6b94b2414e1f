// Nothing a device handed over is lost: the gateway process is killed with SIGKILL again and
// again while a device streams over a real serial port; after each restart the device resends
// what was not acknowledged. In the end every acknowledged reading is in the history exactly
// once and reached the command center's broker (a real Mosquitto).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { slipEncode } from "../../shared/slip.js";
import { Store } from "../../gateway/store/store.js";
import { COMMIT_DELAY_MS } from "../../gateway/upstream/ordered-drain.js";
import { startCli, type RunningCli } from "../support/cli.js";
import { KEYS, TEST_DEVICES } from "../support/fleet.js";
import { freePort, Mosquitto } from "../support/mosquitto.js";
import { collect, waitFor } from "../support/mqtt.js";
import { expectOfficialModels } from "../support/fiware.js";
import { hasSocat, ptyPair, type PtyPair } from "../support/socat.js";
import { StreamingDevice } from "../support/streaming-device.js";
import { tempDir } from "../support/temp.js";

const KILLS = 3;
/** the device reports every REPORT_MS */
const REPORT_MS = 15;

describe.skipIf(!hasSocat)("kill -9 while a device streams", () => {
  const dir = tempDir("pantau-kill-");
  let pty: PtyPair | undefined;
  let upstream: Mosquitto | undefined;
  let cli: RunningCli | undefined;
  const device = new StreamingDevice(101, KEYS.loop, 4);
  afterAll(async () => {
    await device.close();
    await cli?.stop();
    await upstream?.stop();
    await pty?.close();
  });

  it("loses nothing acknowledged and stores each reading once; replays stay refused after a restart", async () => {
    pty = await ptyPair(join(dir));
    upstream = new Mosquitto(await freePort(), dir);
    await upstream.start();
    const center = await collect(`mqtt://127.0.0.1:${upstream.port}`, "pantau/#");
    writeFileSync(join(dir, "fleet.json"), JSON.stringify({ devices: TEST_DEVICES }), { mode: 0o600 });
    const config = join(dir, "gateway.json");
    writeFileSync(config, JSON.stringify({
      registry: "fleet.json", dataDir: join(dir, "data"), serial: [{ path: pty.gateway }],
      mqtt: { port: await freePort() }, http: { port: 0 }, logLevel: "info",
      upstream: { mqtt: { url: `mqtt://127.0.0.1:${upstream.port}`, clientId: "kill-test-gateway" } },
    }));
    const start = async () => {
      cli = startCli(["gateway", "--config", config]);
      await waitFor("serial port open", () => cli!.logs.find((l) => l.msg === "serial port open"), 20_000);
    };

    await device.open(pty.device);
    for (let round = 0; round <= KILLS; round++) {
      await start();
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        device.report();
        await new Promise((r) => setTimeout(r, REPORT_MS));
      }
      if (round === KILLS) break;
      cli!.child.kill("SIGKILL");
      await new Promise((r) => cli!.child.once("exit", r));
    }
    await waitFor("every report acknowledged", () => device.pending === 0, 30_000);
    const sent = device.acked.size;
    expect(sent).toBeGreaterThan(100);

    // a replay of the first report, across all those restarts: acknowledged as a duplicate, not stored again
    device.acked.delete(0);
    device.write(slipEncode(device.frameOf(0)));
    await waitFor("the replay answered", () => device.acked.get(0) !== undefined);
    expect(device.acked.get(0)).toBe(1);

    const ids = (seqs: Iterable<number>) => new Set([...seqs].map((s) => `urn:ngsi-ld:TrafficFlowObserved:smg-pemuda-01:101:4:${s}`));
    const expected = ids(device.acked.keys());
    await waitFor("everything upstream", () => {
      const seen = new Set(center.messages.map((m) => String(m.payload.messageId)));
      return [...expected].every((id) => seen.has(id));
    }, 30_000);
    await center.client.endAsync();
    expect(await cli!.stop()).toBe(0);

    const store = Store.open({ file: join(dir, "data", "pantau.db") });
    try {
      const rows = store.history({ deviceId: 101, limit: 10_000 });
      const keys = rows.map((r) => `${r.boot}:${r.seq}`);
      expect(new Set(keys).size).toBe(keys.length); // exactly once
      expect(new Set(rows.map((r) => r.seq))).toEqual(new Set(device.acked.keys()));
      expect(store.outboxDepth().rows).toBe(0);
    } finally {
      store.close();
    }
    const traffic = center.messages.filter((m) => m.topic.endsWith("/traffic"));
    const duplicates = traffic.length - new Set(traffic.map((m) => m.payload.messageId)).size;
    // QoS 1 upstream: a message in flight at a kill, or confirmed but not yet written to the
    // sender's cursor (it moves every COMMIT_DELAY_MS), is sent again after the restart; the stable
    // `messageId` lets the command center drop it. Per kill, at most the reports of that delay and
    // of a 100 ms round trip through the gateway and the broker.
    expect(duplicates).toBeLessThanOrEqual(KILLS * Math.ceil((COMMIT_DELAY_MS + 100) / REPORT_MS));
    expectOfficialModels("kill and restart, upstream", center.messages);
    console.log(`kill -9 x${KILLS}: ${sent} readings acknowledged, all stored once, ${duplicates} upstream redeliveries`);
  }, 120_000);
});
