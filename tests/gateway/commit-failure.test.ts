// A store that fails a commit (disk full, I/O error): the frames in that batch are not acked,
// so the device keeps them, and its resend is taken as fresh once the store works again. A
// reading is published live before its commit, so the live topic may carry it twice (at least
// once); the history holds it exactly once.

import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Aedes } from "aedes";
import { createLogger } from "../../gateway/log.js";
import { Pipeline } from "../../gateway/pipeline/pipeline.js";
import { Outlet } from "../../gateway/publish/outlet.js";
import { Publisher } from "../../gateway/publish/publisher.js";
import { Registry } from "../../gateway/registry/registry.js";
import { Store, type ReadingRecord, type ReplayWindowRow } from "../../gateway/store/store.js";
import { KEYS, TEST_DEVICES } from "../support/fleet.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { tempDir } from "../support/temp.js";

describe("a failed store commit", () => {
  const store = Store.open({ file: join(tempDir("pantau-commit-"), "pantau.db") });
  let failing = true;
  const flaky = {
    commit: (batch: ReadingRecord[], windows: ReplayWindowRow[]) => {
      if (failing) throw new Error("SQLITE_FULL: database or disk is full");
      return store.commit(batch, windows);
    },
    loadReplayWindows: () => store.loadReplayWindows(),
  };
  let aedes: Aedes | undefined;
  afterAll(async () => {
    await new Promise<void>((r) => (aedes ? aedes.close(() => r()) : r()));
    store.close();
  });

  it("acks nothing of that batch, and takes the device's resend once the store recovers", async () => {
    aedes = await Aedes.createBroker();
    const live: string[] = [];
    await new Promise<void>((r) => aedes!.subscribe("pantau/v1/#", (packet, done) => { live.push(packet.topic); done(); }, r));
    const pipeline = new Pipeline(new Registry(TEST_DEVICES), flaky, new Outlet(store, new Publisher(aedes)), createLogger("silent"));
    const acks: number[] = [];
    pipeline.on("ack", (req) => acks.push(req.result));
    const frame = new ScriptedDevice(103, KEYS.flood).frame("floodReport", SAMPLE_BODIES.floodReport);

    expect(await pipeline.handleFrame(frame, { source: "test" })).toBe("store-failed");
    expect(pipeline.counts["store-failed"]).toBe(1);
    expect(acks).toEqual([]);
    expect(store.history({ deviceId: 103 })).toHaveLength(0);
    expect(live).toEqual(["pantau/v1/smg-kali-semarang-02/103/flood"]);

    failing = false;
    expect(await pipeline.handleFrame(frame, { source: "test" })).toBe("accepted");
    expect(acks).toEqual([0]);
    expect(store.history({ deviceId: 103 })).toHaveLength(1);
    expect(live).toHaveLength(2);
  });
});
