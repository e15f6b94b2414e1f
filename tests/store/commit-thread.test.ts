// Store commits in a worker thread with its own connection: the same answers as Store.commit, and
// a thread that dies holding a batch costs no reading: the batch is not acked, the unit's resend
// is taken once a new thread runs, and the reading is in the history exactly once.

import { Aedes } from "aedes";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../gateway/log.js";
import { Pipeline } from "../../gateway/pipeline/pipeline.js";
import { Outlet } from "../../gateway/publish/outlet.js";
import { Publisher } from "../../gateway/publish/publisher.js";
import { Registry } from "../../gateway/registry/registry.js";
import { CommitThread } from "../../gateway/store/commit-worker.js";
import { Store } from "../../gateway/store/store.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { KEYS, TEST_DEVICES } from "../support/fleet.js";
import { inspect, reading, storeFiles } from "./helpers.js";

const files = storeFiles("pantau-commit-thread-");
const log = createLogger("silent");
const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the commit thread", () => {
  const closers: Array<() => unknown> = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    files.cleanup();
  });

  function open(): { store: Store; thread: CommitThread; file: string } {
    const file = files.file();
    const store = Store.open({ file });
    const thread = new CommitThread({ file }, store, log);
    closers.push(() => store.close(), () => thread.close());
    return { store, thread, file };
  }

  it("answers as Store.commit does, and the event loop's store reads what it wrote", async () => {
    const { store, thread } = open();
    const seen = new Uint8Array(128).fill(0xaa);
    expect(await thread.commit([reading(101, 0), reading(101, 1)], [{ deviceId: 101, boot: 1, top: 1, seen }])).toEqual({ inserted: [true, true] });
    expect(await thread.commit([reading(101, 1), reading(101, 2)], [])).toEqual({ inserted: [false, true] });
    expect(store.history({ deviceId: 101 }).map((r) => r.seq)).toEqual([0, 1, 2]);
    expect(thread.loadReplayWindows()).toEqual([{ deviceId: 101, boot: 1, top: 1, seen }]);
    expect(store.outboxDepth().rows).toBe(3);
    expect(store.health().ok).toBe(true);
  });

  it("hands a batch over whole: every field of every reading and window as given, whatever the text", async () => {
    const { store, thread } = open();
    const batch = [
      reading(201, 7, { kind: "alarm", site: "jkt-ü", payload: JSON.stringify({ note: "banjir ⚠ 𝄞", empty: "" }) }),
      reading(202, 0, { kind: "flood", payload: "{}" }),
      reading(201, 8, { boot: 3, observedAt: 2 ** 40 + 1 }),
    ];
    const windows = [
      { deviceId: 201, boot: 3, top: 8, seen: new Uint8Array(128).fill(0x81) },
      { deviceId: 202, boot: 1, top: 0, seen: Uint8Array.from({ length: 128 }, (_, i) => i) },
    ];
    expect(await thread.commit(batch, windows)).toEqual({ inserted: [true, true, true] });
    expect(store.history().map(({ id: _, ...r }) => r)).toEqual([...batch].sort((a, b) => a.observedAt - b.observedAt));
    expect(thread.loadReplayWindows()).toEqual(windows);
  });

  it("writes where a unit was heard with the next commit, or on its own at the end of the turn", async () => {
    const { store, thread } = open();
    thread.setLastHeard(101, JSON.stringify({ source: "/dev/ttyUSB0" }), 1);
    expect(await thread.commit([reading(101, 0)], [])).toEqual({ inserted: [true] });
    expect(store.lastHeard()).toEqual([{ deviceId: 101, origin: JSON.stringify({ source: "/dev/ttyUSB0" }) }]);
    thread.setLastHeard(102, JSON.stringify({ source: "/dev/ttyUSB1" }), 2);
    for (let tries = 0; store.lastHeard().length < 2 && tries < 100; tries++) await sleep(20);
    expect(store.lastHeard()).toContainEqual({ deviceId: 102, origin: JSON.stringify({ source: "/dev/ttyUSB1" }) });
  });

  it("moves a sender's cursor in its own transactions: with the next commit, or on its own at the end of the turn", async () => {
    const { store, thread, file } = open();
    thread.outboxConsumers(["mqtt"]);
    await thread.commit([0, 1, 2, 3].map((seq) => reading(101, seq)), []);
    const ids = store.outboxPeek(10).map((o) => o.id);
    const cursor = thread.outboxCursor("mqtt");
    const inFile = () => inspect(file, (db) => db.prepare<[], number>("SELECT position FROM outbox_cursors WHERE consumer = 'mqtt'").pluck().get());

    cursor.commit(ids[1]!);
    // not written by the event loop's connection, yet the sender sees where it is
    expect(inFile()).toBe(0);
    expect(cursor.position()).toBe(ids[1]);
    expect(await thread.commit([reading(101, 4)], [])).toEqual({ inserted: [true] });
    expect(inFile()).toBe(ids[1]);
    expect(store.outboxPeek(10).map((o) => o.id)).toEqual([...ids.slice(2), expect.any(Number)]);
    // a lower position never moves it back; with no commit coming, the move goes on its own
    cursor.commit(ids[0]!);
    cursor.commit(ids[3]!);
    for (let tries = 0; inFile() !== ids[3] && tries < 100; tries++) await sleep(20);
    expect(inFile()).toBe(ids[3]);
    expect(store.outboxDepth().rows).toBe(1);
  });

  it("a thread killed while it holds a batch: not acked, counted store-failed, and the resend is stored once", async () => {
    const { store, thread, file } = open();
    const aedes = await Aedes.createBroker();
    closers.push(() => new Promise<void>((r) => aedes.close(() => r())));
    const pipeline = new Pipeline(new Registry(TEST_DEVICES), thread, new Outlet(store, new Publisher(aedes)), log);
    const acks: number[] = [];
    pipeline.on("ack", (req) => acks.push(req.result));
    const frame = new ScriptedDevice(103, KEYS.flood).frame("floodReport", SAMPLE_BODIES.floodReport);

    // another connection holds the write lock, so the thread is inside the commit when it is killed
    const blocker = new Database(file);
    blocker.exec("BEGIN IMMEDIATE");
    const first = pipeline.handleFrame(frame, { source: "test" });
    await turn();
    await sleep(100);
    const killed = thread.thread!;
    const ended = killed.terminate();
    // the commit may now finish in the file, but the thread ends before it can answer
    blocker.exec("ROLLBACK");
    blocker.close();
    await ended;

    expect(await first).toBe("store-failed");
    expect(pipeline.counts["store-failed"]).toBe(1);
    expect(acks).toEqual([]);
    expect(store.health()).toMatchObject({ ok: false, commitError: expect.stringMatching(/commit thread ended/) });

    // the unit resends every 200 ms until acked; a new thread starts after a pause
    const outcomes: string[] = [];
    for (let tries = 0; acks.length === 0 && tries < 50; tries++) {
      outcomes.push(await pipeline.handleFrame(frame, { source: "test" }));
      if (acks.length === 0) await sleep(200);
    }
    expect(thread.thread).toBeDefined();
    expect(thread.thread).not.toBe(killed);
    // accepted, or (when the killed thread's commit reached the file) a duplicate: either way acked once, stored once
    expect(["accepted", "replay"]).toContain(outcomes.at(-1));
    expect(acks).toHaveLength(1);
    expect(store.history({ deviceId: 103 })).toHaveLength(1);
    expect(store.health().ok).toBe(true);
  });
});
