// A reading reaches the embedded broker's subscribers as soon as it is verified, while its commit
// is still running; the unit's ack and the upstream senders wait for the commit to be durable, and
// only for it: a subscriber slow to take the reading does not hold the ack.

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
import { waitFor } from "../support/mqtt.js";
import { tempDir } from "../support/temp.js";

describe("publish on verify, ack after commit", () => {
  const store = Store.open({ file: join(tempDir("pantau-order-"), "pantau.db") });
  /** commits wait here until the test lets them through, as a slow fsync would */
  const held: Array<() => void> = [];
  const slow = {
    commit: (batch: ReadingRecord[], windows: ReplayWindowRow[]) =>
      new Promise<ReturnType<Store["commit"]>>((resolve) => held.push(() => resolve(store.commit(batch, windows)))),
    loadReplayWindows: () => store.loadReplayWindows(),
  };
  let aedes: Aedes | undefined;
  afterAll(async () => {
    await new Promise<void>((r) => (aedes ? aedes.close(() => r()) : r()));
    store.close();
  });

  it("publishes before the commit ends, acks and wakes the senders after it, and publishes a copy heard meanwhile once", async () => {
    aedes = await Aedes.createBroker();
    const live: string[] = [];
    await new Promise<void>((r) => aedes!.subscribe("pantau/v1/#", (packet, done) => { live.push(packet.topic); done(); }, r));
    const outlet = new Outlet(store, new Publisher(aedes));
    let queued = 0;
    outlet.onQueued(() => queued++);
    const pipeline = new Pipeline(new Registry(TEST_DEVICES), slow, outlet, createLogger("silent"));
    const acks: number[] = [];
    pipeline.on("ack", (req) => acks.push(req.result));
    const frame = new ScriptedDevice(103, KEYS.flood).frame("floodReport", SAMPLE_BODIES.floodReport);

    // the same packet through two bridges, in one turn: one commit for both
    const outcomes = Promise.all([pipeline.handleFrame(frame, { source: "bridge-north" }), pipeline.handleFrame(frame, { source: "bridge-south" })]);
    await waitFor("the commit started", () => held.length === 1);
    await waitFor("published live", () => live.length === 1);
    expect(acks).toEqual([]);
    expect(queued).toBe(0);
    expect(store.history({ deviceId: 103 })).toHaveLength(0);

    held.shift()!();
    expect((await outcomes).sort()).toEqual(["accepted", "replay"]);
    expect(acks.sort()).toEqual([0, 1]);
    expect(queued).toBe(1);
    expect(store.history({ deviceId: 103 })).toHaveLength(1);
    expect(live).toEqual(["pantau/v1/smg-kali-semarang-02/103/flood"]);
  });

  it("acks once committed while a local subscriber still holds the reading", async () => {
    const broker = await Aedes.createBroker();
    const holding: Array<() => void> = [];
    await new Promise<void>((r) => broker.subscribe("pantau/v1/#", (_packet, done) => holding.push(done), r));
    const pipeline = new Pipeline(new Registry(TEST_DEVICES), store, new Outlet(store, new Publisher(broker)), createLogger("silent"));
    const acks: number[] = [];
    pipeline.on("ack", (req) => acks.push(req.result));
    const outcome = pipeline.handleFrame(new ScriptedDevice(101, KEYS.loop).frame("loopInterval", SAMPLE_BODIES.loopInterval), { source: "test" });
    await waitFor("acked", () => acks.length === 1);
    expect(holding).toHaveLength(1);
    expect(store.history({ deviceId: 101 })).toHaveLength(1);
    holding.shift()!();
    expect(await outcome).toBe("accepted");
    await new Promise<void>((r) => broker.close(() => r()));
  });
});
