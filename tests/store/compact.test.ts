// The compact reading format (store v6): payloads packed with dictionaries kept in the file,
// labels for types, kinds and topics. Callers must get back exactly what they stored, from a
// converted v5 file as from a new one.
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { migrate, MIGRATIONS } from "../../gateway/store/migrations.js";
import type { OutboxItem, ReadingRecord, StoredReading } from "../../gateway/store/store.js";
import { DAY, inspect, MINUTE, reading, storeFiles, storeOpener, T0 } from "./helpers.js";

const tmp = storeFiles("pantau-compact-");
afterAll(() => tmp.cleanup());

const stores = storeOpener(tmp);
afterEach(() => stores.closeAll());
const openStore = stores.open;
const closeStore = stores.close;

/** A payload shaped like a normalized reading, with text outside ASCII. */
function rich(deviceId: number, seq: number, kind: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: `urn:ngsi-ld:${kind}:smg-pemuda-01:${deviceId}`,
    type: kind,
    messageId: `urn:ngsi-ld:${kind}:smg-pemuda-01:${deviceId}:1:${seq}`,
    deviceName: `Jl. Pemuda — utara ${deviceId} ✓`,
    dateObserved: new Date(T0 + seq * MINUTE).toISOString(),
    intensity: (seq * 7) % 31,
    occupancy: ((seq * 13) % 100) / 100,
    ...extra,
  });
}

function v5Reading(deviceId: number, seq: number, kind: string): ReadingRecord {
  return reading(deviceId, seq, { kind, type: kind === "status" ? "status" : kind === "alarm" ? "floodAlarm" : "loopInterval", payload: rich(deviceId, seq, kind) });
}

describe("store v6: a v5 file is converted in place", () => {
  it("reads back every reading, outbox message, alarm, command, session, window and counter as before", () => {
    const file = tmp.file();
    const v5 = new Database(file);
    expect(migrate(v5, MIGRATIONS.slice(0, 5))).toEqual([1, 2, 3, 4, 5]);
    const kinds = ["traffic", "traffic", "status", "alarm", "traffic", "flood"];
    const records = Array.from({ length: 36 }, (_, i) => v5Reading(1 + (i % 3), i, kinds[i % kinds.length]!));
    const insertReading = v5.prepare(
      `INSERT INTO readings (device_id, boot, seq, type, kind, topic, payload, observed_at, received_at, alarm)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertMessage = v5.prepare("INSERT INTO messages (reading_id, topic, payload, alarm, created_at) VALUES (?, ?, ?, ?, ?)");
    for (const r of records) {
      const id = Number(insertReading.run(r.deviceId, r.boot, r.seq, r.type, r.kind, r.topic, r.payload, r.observedAt, r.receivedAt, r.alarm ? 1 : 0).lastInsertRowid);
      if (r.seq === 20) {
        // a command result and an alarm whose reading retention already took: messages with their own copy
        insertMessage.run(null, "pantau/v1/smg-01/2/command/result", '{"state":"applied"}', 0, r.receivedAt);
        insertMessage.run(null, "pantau/v1/smg-01/3/alarm", rich(3, 99, "alarm"), 1, r.receivedAt);
      }
      insertMessage.run(id, null, null, r.alarm ? 1 : 0, r.receivedAt);
    }
    v5.prepare("INSERT INTO outbox_cursors (consumer, position) VALUES ('mqtt', 5)").run();
    v5.prepare("INSERT INTO meta (key, value) VALUES ('outbox_dropped', 4), ('history_dropped', 9)").run();
    v5.prepare("INSERT INTO replay_windows (device_id, boot, top, seen) VALUES (2, 1, 34, ?)").run(Buffer.alloc(128, 0x5a));
    v5.prepare("INSERT INTO commands (device_id, command, state, created_at, expires_at, updated_at) VALUES (2, '{\"setSpeedLimit\":30}', 'queued', ?, ?, ?)")
      .run(T0, T0 + DAY, T0);
    v5.prepare("INSERT INTO http_sessions (token_hash, username, created_at, used_at) VALUES ('h', 'ani', ?, ?)").run(T0, T0);

    // what the v5 store handed out, read the way it read it
    const history = v5.prepare("SELECT * FROM readings ORDER BY observed_at, id").all().map((row) => {
      const r = row as Record<string, unknown>;
      return {
        id: r.id, deviceId: r.device_id, boot: r.boot, seq: r.seq, type: r.type, kind: r.kind, topic: r.topic,
        payload: r.payload, observedAt: r.observed_at, receivedAt: r.received_at, alarm: r.alarm === 1,
      } as StoredReading;
    });
    const outbox = v5.prepare(
      `SELECT m.id, coalesce(m.topic, r.topic) AS topic, coalesce(m.payload, r.payload) AS payload, m.alarm = 1 AS alarm, m.created_at AS createdAt
       FROM messages m LEFT JOIN readings r ON r.id = m.reading_id ORDER BY m.id`,
    ).all().map((m) => ({ ...(m as OutboxItem), alarm: (m as { alarm: number }).alarm === 1 }));
    v5.close();

    const store = openStore({ file, history: { maxAgeDays: 1 }, outbox: { maxAgeDays: 30 } });
    inspect(file, (db) => {
      expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'readings_v5'").all()).toEqual([]);
      expect(db.prepare("SELECT DISTINCT typeof(payload) FROM readings").pluck().all()).toEqual(["blob"]);
    });
    expect(store.history({ limit: 10_000 })).toEqual(history);
    expect(store.history({ kind: "alarm" })).toEqual(history.filter((r) => r.kind === "alarm"));
    expect(store.history({ deviceId: 2, order: "desc" })).toEqual(history.filter((r) => r.deviceId === 2).reverse());
    expect(store.outboxPeek(100)).toEqual(outbox);
    const cursor = store.outboxCursor("mqtt");
    expect(cursor.read(cursor.position(), 100)).toEqual(outbox.filter((m) => m.id > 5));
    expect(store.counters()).toEqual({ outboxDropped: 4, historyDropped: 9, outboxAlarmsDropped: 0 });
    expect(store.loadReplayWindows()).toEqual([{ deviceId: 2, boot: 1, top: 34, seen: new Uint8Array(128).fill(0x5a) }]);
    expect(store.commandsPending(2, T0)).toMatchObject([{ id: 1, command: '{"setSpeedLimit":30}', state: "queued" }]);
    expect(store.sessions.get("h")).toMatchObject({ username: "ani" });

    // the retention trigger works on converted rows: an alarm waiting upstream keeps its own copy
    const now = records[30]!.receivedAt + DAY;
    expect(store.enforceLimits(now).historyDropped).toBe(30);
    const routineRetired = records.filter((r) => r.seq < 30 && !r.alarm).length;
    expect(store.counters().outboxDropped).toBe(4 + routineRetired);
    // left: every alarm, the command result, and the messages of the six readings kept (the last six)
    expect(store.outboxPeek(100)).toEqual(outbox.filter((m, i) => m.alarm || m.topic.endsWith("/command/result") || i >= outbox.length - 6));
    // and the converted file takes new readings, deduped against the converted ones
    expect(store.commit([records[35]!, v5Reading(2, 36, "traffic")]).inserted).toEqual([false, true]);
    expect(store.history({ deviceId: 2, order: "desc", limit: 1 })[0]).toMatchObject({ seq: 36, payload: rich(2, 36, "traffic"), topic: "pantau/v1/smg-01/2/traffic" });
  });
});

describe("store v6: packed payloads", () => {
  it("keep each payload a few dozen bytes, in a blob naming its dictionary", () => {
    const file = tmp.file();
    const store = openStore({ file });
    const records = Array.from({ length: 200 }, (_, i) => v5Reading(1 + (i % 20), i, "traffic"));
    store.commit(records);
    expect(store.history({ limit: 10_000 }).map((r) => r.payload)).toEqual(records.map((r) => r.payload));
    inspect(file, (db) => {
      const packed = db.prepare<[], number>("SELECT avg(length(payload)) FROM readings").pluck().get()!;
      const json = records.reduce((n, r) => n + Buffer.byteLength(r.payload), 0) / records.length;
      expect(packed).toBeLessThan(json / 4);
      // one dictionary for the type and kind: the first payload of it
      expect(db.prepare("SELECT count(*) FROM dictionaries").pluck().get()).toBe(1);
      expect(db.prepare("SELECT CAST(dictionary AS TEXT) FROM dictionaries").pluck().get()).toBe(records[0]!.payload);
      expect(db.prepare("SELECT text FROM labels ORDER BY id").pluck().all()).toEqual(
        expect.arrayContaining(["loopInterval", "traffic", ...new Set(records.map((r) => r.topic))]),
      );
    });
  });

  it("takes a new dictionary version when a kind's payloads change shape; old rows stay readable", () => {
    const file = tmp.file();
    const store = openStore({ file });
    // the same type and kind, before and after a (pretend) gateway upgrade changed its output
    const before = Array.from({ length: 100 }, (_, i) => reading(1, i, { payload: rich(1, i, "traffic") }));
    const after = Array.from({ length: 200 }, (_, i) =>
      reading(1, 100 + i, { payload: JSON.stringify({ entity: `urn:x:TrafficFlow:${i % 4}`, counts: [i, i * 2, i * 3], direction: "selatan", note: "format baru dengan banyak kata" }) }));
    store.commit(before);
    store.commit(after);
    const sizes = (range: string) => inspect(file, (db) => db.prepare<[], number>(`SELECT avg(length(payload)) FROM readings WHERE ${range}`).pluck().get()!);
    expect(inspect(file, (db) => db.prepare("SELECT count(*) FROM dictionaries").pluck().get())).toBe(2);
    // the readings after the switch pack against the new shape
    expect(sizes("seq >= 250")).toBeLessThan(sizes("seq BETWEEN 100 AND 150") / 1.5);
    closeStore(store);

    const again = openStore({ file });
    expect(again.history({ limit: 10_000 }).map((r) => r.payload)).toEqual([...before, ...after].map((r) => r.payload));
    // a payload that matches neither still round-trips
    again.commit([reading(1, 500, { payload: '{"any":"thing","ü":[1,2,3]}' })]);
    expect(again.history({ from: reading(1, 500).observedAt })[0]!.payload).toBe('{"any":"thing","ü":[1,2,3]}');
  });

  it("forgets the labels and dictionary of a failed commit, and packs the next one right", () => {
    const store = openStore();
    const bad = { ...reading(5, 2, { kind: "flood" }), topic: null as unknown as string };
    expect(() => store.commit([reading(5, 1, { kind: "flood", payload: rich(5, 1, "flood") }), bad])).toThrow(/NOT NULL/);
    expect(store.history()).toEqual([]);
    // a new kind in the next commit must not reuse an id or a dictionary the failed one gave out
    store.commit([reading(5, 3, { kind: "speed", type: "signStats", payload: rich(5, 3, "speed") }), reading(5, 4, { kind: "flood", payload: rich(5, 4, "flood") })]);
    expect(store.history().map((r) => [r.type, r.kind, r.topic, r.payload])).toEqual([
      ["signStats", "speed", "pantau/v1/smg-01/5/speed", rich(5, 3, "speed")],
      ["floodReport", "flood", "pantau/v1/smg-01/5/flood", rich(5, 4, "flood")],
    ]);
    expect(store.history({ kind: "speed" }).map((r) => r.seq)).toEqual([3]);
    expect(store.history({ kind: "no-such-kind" })).toEqual([]);
  });

  it("reads what another connection to the file stored after it opened", () => {
    const file = tmp.file();
    const reader = openStore({ file });
    const writer = openStore({ file });
    writer.commit([reading(8, 1, { kind: "alarm", type: "floodAlarm", payload: rich(8, 1, "alarm") })]);
    expect(reader.history({ kind: "alarm" }).map((r) => [r.type, r.topic, r.payload])).toEqual([["floodAlarm", "pantau/v1/smg-01/8/alarm", rich(8, 1, "alarm")]]);
    expect(reader.outboxPeek(10).map((m) => [m.topic, m.payload])).toEqual([["pantau/v1/smg-01/8/alarm", rich(8, 1, "alarm")]]);
  });
});
