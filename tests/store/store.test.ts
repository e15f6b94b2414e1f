import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { migrate, MIGRATIONS, SchemaError, type Migration } from "../../gateway/store/migrations.js";
import { Store, type ReplayWindowRow } from "../../gateway/store/store.js";
import { DAY, inspect, MINUTE, reading, storeOpener, T0, storeFiles } from "./helpers.js";

const tmp = storeFiles();
afterAll(() => tmp.cleanup());

const stores = storeOpener(tmp);
afterEach(() => stores.closeAll());
const openStore = stores.open;
const closeStore = stores.close;

const tables = (db: Database.Database) =>
  db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();

describe("schema migrations", () => {
  it("creates every table, the folder and WAL mode in an empty file", () => {
    const file = join(tmp.dir, "not", "yet", "there.db");
    closeStore(openStore({ file }));
    inspect(file, (db) => {
      expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(tables(db)).toEqual(expect.arrayContaining(["commands", "messages", "meta", "outbox_cursors", "readings", "replay_windows"]));
      expect(tables(db)).not.toContain("outbox");
    });
  });

  it("re-opening a current file applies nothing and keeps the data", () => {
    const file = tmp.file();
    const store = openStore({ file });
    store.commit([reading(7, 1)], []);
    closeStore(store);
    const db = new Database(file);
    expect(migrate(db)).toEqual([]);
    db.close();
    const again = openStore({ file });
    expect(again.history().map((r) => r.seq)).toEqual([1]);
  });

  it("upgrades a version-1 file to the current schema, keeping its readings", () => {
    const file = tmp.file();
    const v1 = new Database(file);
    expect(migrate(v1, MIGRATIONS.slice(0, 1))).toEqual([1]);
    v1.prepare(
      `INSERT INTO readings (device_id, boot, seq, type, kind, topic, payload, observed_at, received_at, alarm)
       VALUES (7, 1, 1, 'loopInterval', 'traffic', 't', '{}', 1, 2, 0)`,
    ).run();
    expect(tables(v1)).not.toContain("outbox");
    v1.close();

    const store = openStore({ file });
    inspect(file, (db) => expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length));
    expect(store.history().map((r) => [r.deviceId, r.seq])).toEqual([[7, 1]]);
    // the later tables work on the upgraded file
    expect(store.commit([reading(7, 2)], []).inserted).toEqual([true]);
    expect(store.outboxDepth().rows).toBe(1);
    expect(store.commandEnqueue({ deviceId: 7, command: "{}", createdAt: T0, expiresAt: T0 + MINUTE })).toBe(1);
  });

  it("a later step can add a column to a populated table; that file is then refused by this older code", () => {
    const file = tmp.file();
    const store = openStore({ file });
    store.commit([reading(7, 1), reading(7, 2)], []);
    closeStore(store);

    const next = MIGRATIONS.length + 1;
    const later: Migration = { version: next, description: "radio quality", sql: "ALTER TABLE readings ADD COLUMN rssi_dbm INTEGER" };
    const db = new Database(file);
    expect(migrate(db, [...MIGRATIONS, later])).toEqual([next]);
    expect(db.prepare("SELECT seq, rssi_dbm FROM readings ORDER BY seq").all()).toEqual([
      { seq: 1, rssi_dbm: null },
      { seq: 2, rssi_dbm: null },
    ]);
    db.close();
    expect(() => Store.open({ file })).toThrow(`schema version ${next}, newer than this gateway's ${MIGRATIONS.length}`);
  });

  it("a failing step is rolled back whole and the version stays put", () => {
    const db = new Database(tmp.file());
    const broken: Migration = {
      version: 2,
      description: "half-applied if not atomic",
      sql: "CREATE TABLE half (x); INSERT INTO no_such_table VALUES (1);",
    };
    expect(() => migrate(db, [MIGRATIONS[0]!, broken])).toThrow(/no_such_table/);
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    expect(tables(db)).not.toContain("half");
    db.close();
  });

  it("refuses a sync level SQLite would silently ignore, and leaves no file open", () => {
    const file = tmp.file();
    expect(() => Store.open({ file, synchronous: "off" as "full" })).toThrow(/"full" or "normal"/);
    closeStore(openStore({ file, synchronous: "normal" }));
  });

  it("refuses misnumbered steps", () => {
    const db = new Database(":memory:");
    expect(() => migrate(db, [{ ...MIGRATIONS[0]!, version: 2 }])).toThrow(SchemaError);
    db.close();
  });
});

describe("commit and dedup", () => {
  it("inserts new readings, skips (device, boot, seq) already stored and says which", () => {
    const store = openStore();
    expect(store.commit([reading(7, 1), reading(7, 2), reading(7, 3)], []).inserted).toEqual([true, true, true]);
    // the same frame heard by a second bridge, a moment later, next to a new one
    const viaBridge2 = { ...reading(7, 2), receivedAt: T0 + 99_999 };
    expect(store.commit([viaBridge2, reading(7, 4)], []).inserted).toEqual([false, true]);
    expect(store.history({ deviceId: 7 }).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(store.history({ deviceId: 7 }).find((r) => r.seq === 2)?.receivedAt).toBe(reading(7, 2).receivedAt);
    expect(store.outboxPeek(100).map((o) => JSON.parse(o.payload).seq)).toEqual([1, 2, 3, 4]);
  });

  it("dedups within one batch, and tells a reboot or another device from a duplicate", () => {
    const store = openStore();
    const result = store.commit([reading(7, 1), reading(7, 1), reading(7, 1, { boot: 2 }), reading(8, 1)], []);
    expect(result.inserted).toEqual([true, false, true, true]);
    expect(store.history().length).toBe(3);
    expect(store.outboxDepth().rows).toBe(3);
  });

  it("is one transaction: a bad record leaves nothing of its batch behind", () => {
    const store = openStore();
    const bad = { ...reading(7, 3), payload: null as unknown as string };
    const window: ReplayWindowRow = { deviceId: 7, boot: 1, top: 3, seen: new Uint8Array(128).fill(1) };
    expect(() => store.commit([reading(7, 1), reading(7, 2), bad], [window])).toThrow(/reading 7\/1\/3 has no JSON payload/);
    expect(store.history()).toEqual([]);
    expect(store.outboxDepth().rows).toBe(0);
    expect(store.loadReplayWindows()).toEqual([]);
  });
});

describe("replay windows", () => {
  it("round-trip through the file, and an upsert replaces a device's window", () => {
    const file = tmp.file();
    const store = openStore({ file });
    const seen7 = new Uint8Array(128).map((_, i) => (i * 37) & 0xff);
    const seen8 = new Uint8Array(128);
    seen8[0] = 0b101;
    // a window taken from a larger buffer: only its own bytes must be stored
    const backing = new Uint8Array(300).fill(0xee);
    backing.set(seen8, 100);
    store.commit([reading(7, 1)], [
      { deviceId: 7, boot: 3, top: 1000, seen: seen7 },
      { deviceId: 8, boot: 1, top: 2, seen: backing.subarray(100, 228) },
    ]);
    store.commit([], [{ deviceId: 7, boot: 4, top: 0, seen: new Uint8Array(128).fill(0xff) }]);
    closeStore(store);

    const windows = openStore({ file }).loadReplayWindows();
    expect(windows).toEqual([
      { deviceId: 7, boot: 4, top: 0, seen: new Uint8Array(128).fill(0xff) },
      { deviceId: 8, boot: 1, top: 2, seen: seen8 },
    ]);
    expect(windows[0]!.seen).toBeInstanceOf(Uint8Array);
  });
});

describe("history queries", () => {
  const store = () => {
    const s = openStore();
    s.commit([
      reading(1, 1), reading(1, 2), reading(1, 3, { kind: "status", type: "status" }), reading(1, 4),
      reading(2, 1), reading(2, 2, { kind: "alarm", type: "floodAlarm" }), reading(2, 3, { kind: "flood", type: "floodReport" }),
    ], []);
    return s;
  };
  const ids = (rs: { deviceId: number; seq: number }[]) => rs.map((r) => `${r.deviceId}:${r.seq}`);

  it("filters by device, kind and an inclusive time range, ordered by observation time", () => {
    const s = store();
    expect(ids(s.history({ deviceId: 1 }))).toEqual(["1:1", "1:2", "1:3", "1:4"]);
    expect(ids(s.history({ kind: "alarm" }))).toEqual(["2:2"]);
    expect(s.history({ kind: "alarm" })[0]).toMatchObject({ alarm: true, type: "floodAlarm", topic: "pantau/v1/smg-01/2/alarm" });
    expect(ids(s.history({ from: T0 + 2 * MINUTE, to: T0 + 3 * MINUTE }))).toEqual(["1:2", "2:2", "1:3", "2:3"]);
    expect(ids(s.history({ deviceId: 1, kind: "traffic", from: T0 + 2 * MINUTE }))).toEqual(["1:2", "1:4"]);
    expect(ids(s.history({ deviceId: 3 }))).toEqual([]);
  });

  it("limits, newest first on request", () => {
    const s = store();
    expect(ids(s.history({ deviceId: 1, limit: 2 }))).toEqual(["1:1", "1:2"]);
    expect(ids(s.history({ deviceId: 1, limit: 2, order: "desc" }))).toEqual(["1:4", "1:3"]);
    expect(ids(s.history({ limit: 0 }))).toHaveLength(1);
  });

  it("returns 1000 by default and at most 10000", () => {
    const s = openStore();
    s.commit(Array.from({ length: 10_005 }, (_, i) => reading(9, i)), []);
    expect(s.history().length).toBe(1000);
    expect(s.history({ limit: 50_000 }).length).toBe(10_000);
  });

  it("uses an index for each query shape, and keeps no index it does not use", () => {
    const file = tmp.file();
    openStore({ file });
    const plan = (sql: string) =>
      inspect(file, (db) =>
        db.prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all()
          .map((r) => (r as { detail: string }).detail)
          .join("; "),
      );
    const history = (where: string) => plan(`SELECT * FROM readings WHERE ${where} ORDER BY observed_at LIMIT 10`);
    expect(history("device_id = 1 AND observed_at >= 0 AND observed_at <= 9")).toMatch(/USING INDEX readings_device_time/);
    expect(history("kind_id = 1 AND observed_at >= 0 AND observed_at <= 9")).toMatch(/USING INDEX readings_kind_time/);
    expect(history("observed_at >= 0 AND observed_at <= 9")).toMatch(/USING INDEX readings_time/);
    // retention by age walks the readings in id (arrival) order, with no index on received_at and no sort
    expect(plan("SELECT id FROM readings WHERE received_at >= 0 ORDER BY id LIMIT 1")).toBe("SCAN readings");
    expect(plan("SELECT id FROM readings WHERE id < 9 ORDER BY id LIMIT 10")).toMatch(/^SEARCH readings USING INTEGER PRIMARY KEY \(rowid<\?\)$/);
    // the outbox over its row bound drops the oldest routine messages in index order: no sort of all it holds
    const bound = plan("SELECT id FROM messages WHERE alarm = 0 ORDER BY created_at, id LIMIT 10");
    expect(bound).toMatch(/USING COVERING INDEX messages_alarm_age/);
    expect(bound).not.toMatch(/TEMP B-TREE/);
    // the three above and the (device, boot, seq) uniqueness that dedups a commit
    expect(inspect(file, (db) => db.prepare<[], string>("SELECT name FROM pragma_index_list('readings') ORDER BY name").pluck().all()))
      .toEqual(["readings_device_time", "readings_kind_time", "readings_time", "sqlite_autoindex_readings_1"]);
  });
});

describe("outbox", () => {
  it("hands messages out oldest first through a sender's cursor and forgets only what it has passed", () => {
    const store = openStore();
    store.outboxConsumers(["mqtt"]);
    store.commit([reading(1, 1), reading(2, 1, { kind: "alarm" })], []);
    const [resultId] = store.outboxEnqueue([{ topic: "pantau/v1/smg-01/1/command/result", payload: '{"state":"applied"}', alarm: false, createdAt: T0 + DAY }]);
    store.commit([reading(1, 2)], []);

    const all = store.outboxPeek(10);
    expect(all.map((o) => o.topic)).toEqual([
      "pantau/v1/smg-01/1/traffic", "pantau/v1/smg-01/2/alarm", "pantau/v1/smg-01/1/command/result", "pantau/v1/smg-01/1/traffic",
    ]);
    expect(all.map((o) => o.id)).toEqual([...all.map((o) => o.id)].sort((a, b) => a - b));
    expect(all[0]).toMatchObject({ alarm: false, payload: reading(1, 1).payload, createdAt: reading(1, 1).receivedAt });
    expect(all[1]).toMatchObject({ alarm: true, createdAt: reading(2, 1).receivedAt });
    expect(all[2]!.id).toBe(resultId);
    expect(store.outboxDepth()).toEqual({ rows: 4, alarms: 1, oldestMs: reading(1, 1).receivedAt });

    const cursor = store.outboxCursor("mqtt");
    expect(cursor.position()).toBe(0);
    expect(cursor.read(0, 2)).toEqual(all.slice(0, 2));
    expect(cursor.read(all[1]!.id, 10)).toEqual(all.slice(2));
    cursor.commit(all[1]!.id);
    expect(cursor.position()).toBe(all[1]!.id);
    expect(store.outboxPeek(10)).toEqual(all.slice(2));
    expect(store.outboxDepth()).toEqual({ rows: 2, alarms: 0, oldestMs: T0 + DAY });
    expect(store.outboxLag("mqtt")).toBe(2);
    // a late, lower commit never moves a cursor back
    cursor.commit(all[0]!.id);
    expect(cursor.position()).toBe(all[1]!.id);
  });

  it("never reuses an id, so a cursor never skips a newer message", () => {
    const store = openStore();
    store.outboxConsumers(["mqtt"]);
    store.commit([reading(1, 1), reading(1, 2)], []);
    const first = store.outboxPeek(10).map((o) => o.id);
    store.outboxCursor("mqtt").commit(Math.max(...first));
    expect(store.outboxDepth()).toEqual({ rows: 0, alarms: 0, oldestMs: null });
    store.commit([reading(1, 3)], []);
    expect(store.outboxPeek(1)[0]!.id).toBeGreaterThan(Math.max(...first));
  });

  it("gives each sender its own cursor: a message leaves once every sender has passed it", () => {
    const file = tmp.file();
    const store = openStore({ file });
    expect(store.outboxConsumers(["mqtt", "ngsi-ld"])).toEqual({ added: ["mqtt", "ngsi-ld"], removed: [] });
    store.commit([1, 2, 3, 4, 5].map((i) => reading(1, i)), []);
    const ids = store.outboxPeek(10).map((o) => o.id);
    const fast = store.outboxCursor("mqtt");
    const slow = store.outboxCursor("ngsi-ld");
    fast.commit(ids[4]!);
    slow.commit(ids[1]!);
    // the slow sender still has its three; the fast one has nothing left to read
    expect(fast.read(fast.position(), 10)).toEqual([]);
    expect(slow.read(slow.position(), 10).map((o) => JSON.parse(o.payload).seq)).toEqual([3, 4, 5]);
    expect(store.outboxDepth().rows).toBe(3);
    expect([store.outboxLag("mqtt"), store.outboxLag("ngsi-ld")]).toEqual([0, 3]);
    closeStore(store);

    // positions survive a restart; a sender no longer configured stops holding messages back
    const again = openStore({ file });
    expect(again.outboxCursor("ngsi-ld").position()).toBe(ids[1]);
    expect(again.outboxConsumers(["mqtt"])).toEqual({ added: [], removed: ["ngsi-ld"] });
    expect(again.outboxDepth().rows).toBe(0);
    // a sender configured later starts at the oldest message still held
    again.commit([reading(1, 6)], []);
    expect(again.outboxConsumers(["mqtt", "ngsi-ld"]).added).toEqual(["ngsi-ld"]);
    const late = again.outboxCursor("ngsi-ld");
    expect(late.read(late.position(), 10).map((o) => JSON.parse(o.payload).seq)).toEqual([6]);
  });

  it("keeps a reading's payload once: its message refers to the history row", () => {
    const file = tmp.file();
    const store = openStore({ file });
    store.commit([reading(1, 1), reading(1, 2, { kind: "alarm" })], []);
    store.outboxEnqueue([{ topic: "pantau/v1/smg-01/1/alarm", payload: '{"alarmType":"deviceOffline"}', alarm: true, createdAt: T0 }]);
    inspect(file, (db) => {
      const rows = db.prepare<[], { reading_id: number | null; payload: string | null }>("SELECT reading_id, payload FROM messages ORDER BY id").all();
      expect(rows.map((r) => [r.reading_id !== null, r.payload])).toEqual([[true, null], [true, null], [false, '{"alarmType":"deviceOffline"}']]);
    });
    expect(store.outboxPeek(10).map((o) => o.payload)).toEqual([reading(1, 1).payload, reading(1, 2, { kind: "alarm" }).payload, '{"alarmType":"deviceOffline"}']);
  });

  it("upgrades a version-2 file: what its outbox held goes on, same order, ids and payloads", () => {
    const file = tmp.file();
    const v2 = new Database(file);
    expect(migrate(v2, MIGRATIONS.slice(0, 2))).toEqual([1, 2]);
    const insert = v2.prepare("INSERT INTO outbox (topic, payload, alarm, created_at) VALUES (?, ?, ?, ?)");
    for (let n = 1; n <= 4; n++) insert.run(`pantau/v1/smg-01/1/${n === 3 ? "alarm" : "traffic"}`, JSON.stringify({ n }), n === 3 ? 1 : 0, T0 + n);
    v2.prepare("DELETE FROM outbox WHERE id = 1").run(); // already sent upstream
    const held = v2.prepare("SELECT id, topic, payload, alarm, created_at AS createdAt FROM outbox ORDER BY id").all();
    v2.close();

    const store = openStore({ file });
    store.outboxConsumers(["mqtt"]);
    const cursor = store.outboxCursor("mqtt");
    expect(cursor.read(cursor.position(), 10)).toEqual(held.map((r) => ({ ...(r as object), alarm: (r as { alarm: number }).alarm === 1 })));
    store.commit([reading(1, 9)], []);
    expect(cursor.read(4, 10).map((o) => o.id)).toEqual([5]);
  });
});

describe("outbox limits", () => {
  it("holds the row bound at every commit: routine messages go oldest first, counted; every alarm stays", () => {
    const store = openStore({ outbox: { maxRows: 5 } });
    const alarmAt = new Set([2, 7, 15]);
    store.commit(Array.from({ length: 20 }, (_, i) => reading(1, i, { kind: alarmAt.has(i) ? "alarm" : "traffic" })), []);

    // no sweep yet: the commit itself applied the bound
    const left = store.outboxPeek(100);
    expect(left.map((o) => JSON.parse(o.payload).seq)).toEqual([2, 7, 15, 18, 19]);
    expect(left.filter((o) => o.alarm)).toHaveLength(3);
    expect(store.counters().outboxDropped).toBe(15);
    // the sweep has nothing more to drop, and reports the alarms a plain FIFO would have lost
    expect(store.enforceLimits(T0 + 20 * MINUTE)).toMatchObject({ outboxDropped: 0, outboxAlarmsKept: 3, outboxAlarmsDropped: 0 });
    expect(store.enforceLimits(T0 + 20 * MINUTE)).toMatchObject({ outboxDropped: 0, outboxAlarmsKept: 0 });
    // history is not the outbox: all 20 readings are still on record
    expect(store.history().length).toBe(20);
  });

  it("never holds more than the bound during a burst, whatever the batch sizes and whoever appends", () => {
    const bound = 100;
    const store = openStore({ outbox: { maxRows: bound } });
    let seq = 0;
    let most = 0;
    for (const size of [1, 7, 50, 262, 3, 150]) {
      store.commit(Array.from({ length: size }, () => reading(1, seq++, { kind: seq % 40 === 0 ? "alarm" : "traffic" })), []);
      most = Math.max(most, store.outboxDepth().rows);
      store.outboxEnqueue([{ topic: "pantau/v1/smg-01/1/command/result", payload: "{}", alarm: false, createdAt: T0 }]);
      most = Math.max(most, store.outboxDepth().rows);
    }
    expect(seq).toBe(473);
    expect(most).toBe(bound);
    expect(store.outboxDepth().rows).toBe(bound);
    expect(store.counters().outboxDropped).toBe(473 + 6 - bound);
    // the alarms of the burst are all still there
    expect(store.outboxDepth().alarms).toBe(Math.floor(473 / 40));
  });

  it("holds the bound exactly with two connections appending and trimming (the commit thread's and the event loop's)", () => {
    const bound = 50;
    const file = tmp.file();
    const events = openStore({ file, outbox: { maxRows: bound } });
    const thread = openStore({ file, outbox: { maxRows: bound } });
    events.outboxConsumers(["mqtt"]);
    const cursor = events.outboxCursor("mqtt");
    // newer than every reading here, so the bound drops readings first
    const command = { topic: "pantau/v1/smg-01/1/command/result", payload: "{}", alarm: false, createdAt: T0 + DAY };
    let seq = 0;
    const commit = (n: number) => thread.commit(Array.from({ length: n }, () => reading(1, seq++)), []);
    const state = () => ({ rows: events.outboxDepth().rows, dropped: events.counters().outboxDropped });

    commit(40);
    // the event loop's sender passes 30 messages, which the thread's own count still holds
    cursor.commit(30);
    commit(45);
    expect(state()).toEqual({ rows: bound, dropped: 5 });
    // the event loop's append counts what the thread appended
    events.outboxEnqueue([command]);
    expect(state()).toEqual({ rows: bound, dropped: 6 });
    cursor.commit(60);
    commit(15);
    // 41 held as the thread last counted them; the event loop adds 9 it has not counted
    for (let i = 0; i < 9; i++) events.outboxEnqueue([command]);
    expect(state()).toEqual({ rows: bound, dropped: 6 });
    commit(3);
    expect(state()).toEqual({ rows: bound, dropped: 9 });
    // an alarm behind a message the thread's bound dropped is reported by the event loop's sweep
    thread.commit([reading(2, 1, { kind: "alarm" })], []);
    commit(40);
    expect(state()).toEqual({ rows: bound, dropped: 50 });
    expect(events.enforceLimits(T0 + 5 * MINUTE)).toMatchObject({ outboxDropped: 0, outboxAlarmsKept: 1 });
    expect(events.enforceLimits(T0 + 5 * MINUTE)).toMatchObject({ outboxAlarmsKept: 0 });
  });

  it("keeps the count of messages held in the file, exact on either connection and whatever deletes them, from an upgraded file on", () => {
    const file = tmp.file();
    const v6 = new Database(file);
    migrate(v6, MIGRATIONS.slice(0, 6));
    const own = v6.prepare("INSERT INTO messages (topic, payload, alarm, created_at) VALUES ('pantau/v1/smg-01/1/command/result', '{}', 0, ?)");
    for (let i = 0; i < 3; i++) own.run(T0);
    v6.close();
    const now = T0 + 10 * DAY;
    const limits = { outbox: { maxRows: 8 }, history: { maxAgeDays: 1 } };
    const events = openStore({ file, ...limits });
    const thread = openStore({ file, ...limits });
    const inFile = () => inspect(file, (db) => ({
      counted: db.prepare<[], number>("SELECT count(*) FROM messages").pluck().get(),
      kept: db.prepare<[], number>("SELECT value FROM meta WHERE key = 'outbox_rows'").pluck().get(),
    }));
    const held = (n: number) => {
      expect(inFile()).toEqual({ counted: n, kept: n });
      expect(events.outboxDepth().rows).toBe(n);
    };
    // the upgrade counted what the file held
    held(3);
    events.outboxConsumers(["mqtt", "ngsi-ld"]);
    thread.commit([reading(1, 1, { receivedAt: now - 2 * DAY }), reading(1, 2, { receivedAt: now - 2 * DAY, kind: "alarm" }), reading(1, 3, { receivedAt: now })], []);
    events.outboxEnqueue([{ topic: "pantau/v1/smg-01/1/command/result", payload: "{}", alarm: false, createdAt: now }]);
    held(7);
    // the row bound, on the thread's connection, drops what the event loop's appended too
    thread.commit([reading(1, 4, { receivedAt: now }), reading(1, 5, { receivedAt: now })], []);
    held(8);
    expect(events.counters().outboxDropped).toBe(1);
    // retention deletes two readings: the routine one's message goes with it (a trigger), the alarm's stays
    expect(events.enforceLimits(now)).toMatchObject({ historyDropped: 2 });
    held(7);
    // both senders passed the first three messages: they leave; a sender ahead of the other has less to send
    const ids = events.outboxPeek(10).map((o) => o.id);
    events.outboxCursor("ngsi-ld").commit(ids[2]!);
    events.outboxCursor("mqtt").commit(ids[5]!);
    held(4);
    expect([events.outboxLag("mqtt"), events.outboxLag("ngsi-ld")]).toEqual([1, 4]);
  });

  it("keeps alarms even when they alone exceed the row bound", () => {
    const store = openStore({ outbox: { maxRows: 2 } });
    store.commit([1, 2, 3, 4].map((i) => reading(2, i, { kind: "alarm" })).concat(reading(1, 1)), []);
    expect(store.outboxDepth()).toMatchObject({ rows: 4, alarms: 4 });
    expect(store.counters().outboxDropped).toBe(1);
    expect(store.enforceLimits(T0 + 5 * MINUTE)).toMatchObject({ outboxDropped: 0, outboxAlarmsKept: 4 });
  });

  it("applies a bound lowered since the last run at the next sweep", () => {
    const file = tmp.file();
    const store = openStore({ file });
    store.commit([1, 2, 3, 4, 5].map((i) => reading(1, i)), []);
    closeStore(store);
    const again = openStore({ file, outbox: { maxRows: 2 } });
    expect(again.enforceLimits(T0 + 5 * MINUTE)).toMatchObject({ outboxDropped: 3 });
    expect(again.outboxPeek(10).map((o) => JSON.parse(o.payload).seq)).toEqual([4, 5]);
  });

  it("drops routine items past the age limit, alarms only past the alarm age limit", () => {
    const now = T0 + 100 * DAY;
    const store = openStore({ outbox: { maxAgeDays: 1, alarmMaxAgeDays: 30 } });
    store.commit([
      reading(1, 1, { receivedAt: now - 40 * DAY, kind: "alarm" }),
      reading(1, 2, { receivedAt: now - 2 * DAY }),
      reading(1, 3, { receivedAt: now - 2 * DAY, kind: "alarm" }),
      reading(1, 4, { receivedAt: now - DAY - 1 }),
      reading(1, 5, { receivedAt: now - DAY + 1 }),
    ], []);
    expect(store.enforceLimits(now)).toMatchObject({ outboxDropped: 3, outboxAlarmsDropped: 1, outboxAlarmsKept: 1 });
    expect(store.outboxPeek(10).map((o) => JSON.parse(o.payload).seq)).toEqual([3, 5]);
    expect(store.counters()).toMatchObject({ outboxDropped: 3, outboxAlarmsDropped: 1 });
  });

  it("lets an alarm outlive its history row; a routine message waiting upstream goes with its reading, counted", () => {
    const now = T0 + 10 * DAY;
    const store = openStore({ history: { maxAgeDays: 1 }, outbox: { maxAgeDays: 30 } });
    store.commit([
      reading(1, 1, { receivedAt: now - 2 * DAY, kind: "alarm", payload: '{"level":"danger"}' }),
      reading(1, 2, { receivedAt: now - 2 * DAY }),
      reading(1, 3, { receivedAt: now }),
    ], []);
    expect(store.enforceLimits(now)).toMatchObject({ historyDropped: 2 });
    expect(store.history().map((r) => r.seq)).toEqual([3]);
    const left = store.outboxPeek(10);
    expect(left.map((o) => [o.alarm, o.payload])).toEqual([[true, '{"level":"danger"}'], [false, reading(1, 3).payload]]);
    expect(left[0]!.topic).toBe("pantau/v1/smg-01/1/alarm");
    expect(store.counters()).toMatchObject({ outboxDropped: 1, historyDropped: 2 });
    // the held count followed: the bound still measures what is really there
    expect(store.outboxDepth().rows).toBe(2);
  });
});

describe("history retention", () => {
  it("drops readings received before the age limit, by the gateway's clock", () => {
    const now = T0 + 10 * DAY;
    const store = openStore({ history: { maxAgeDays: 1 } });
    store.commit([
      reading(1, 1, { receivedAt: now - 2 * DAY }),
      // a device whose clock was never set still gets its full retention
      reading(1, 2, { receivedAt: now - 3600_000, observedAt: 0 }),
      reading(1, 3, { receivedAt: now }),
    ], []);
    expect(store.enforceLimits(now).historyDropped).toBe(1);
    expect(store.history().map((r) => r.seq)).toEqual([2, 3]);
    expect(store.counters().historyDropped).toBe(1);
  });

  it("drops the oldest readings until the file's used pages fit the size bound", () => {
    const maxBytes = 512 * 1024;
    const store = openStore({ history: { maxBytes } });
    store.outboxConsumers(["mqtt"]);
    const cursor = store.outboxCursor("mqtt");
    const pad = "x".repeat(1000);
    let seq = 0;
    while (store.usedBytes() < 3 * maxBytes) {
      store.commit(Array.from({ length: 100 }, () => reading(1, seq++, { payload: JSON.stringify({ seq, pad }) })), []);
      cursor.commit(Math.max(...store.outboxPeek(100).map((o) => o.id)));
    }
    const { historyDropped } = store.enforceLimits(T0);
    expect(store.usedBytes()).toBeLessThanOrEqual(maxBytes);
    const left = store.history({ limit: 10_000 }).map((r) => r.seq);
    expect(historyDropped).toBe(seq - left.length);
    expect(historyDropped).toBeGreaterThan(seq / 2);
    // what is left is the newest, without gaps
    expect(left).toEqual(Array.from({ length: left.length }, (_, i) => seq - left.length + i));
    expect(store.counters().historyDropped).toBe(historyDropped);
    expect(store.enforceLimits(T0).historyDropped).toBe(0);
  });
});

describe("counters", () => {
  it("survive close and reopen, and keep adding up", () => {
    const file = tmp.file();
    const opts = { file, outbox: { maxRows: 1 }, history: { maxAgeDays: 1 } };
    const store = openStore(opts);
    store.commit([reading(1, 1), reading(1, 2), reading(1, 3, { receivedAt: T0 + 5 * DAY })], []);
    store.enforceLimits(T0 + 5 * DAY);
    expect(store.counters()).toEqual({ outboxDropped: 2, historyDropped: 2, outboxAlarmsDropped: 0 });
    closeStore(store);

    const again = openStore(opts);
    expect(again.counters()).toEqual({ outboxDropped: 2, historyDropped: 2, outboxAlarmsDropped: 0 });
    again.commit([reading(1, 4, { receivedAt: T0 + 5 * DAY })], []);
    again.enforceLimits(T0 + 5 * DAY);
    expect(again.counters().outboxDropped).toBe(3);
  });
});

describe("commands", () => {
  const cmd = (deviceId: number, createdAt: number, ttl = 10 * MINUTE) => ({
    deviceId,
    command: JSON.stringify({ setSpeedLimit: 40 }),
    createdAt,
    expiresAt: createdAt + ttl,
  });

  it("go queued -> delivered -> applied; a delivered one is offered again until the device answers", () => {
    const store = openStore();
    const a = store.commandEnqueue(cmd(7, T0));
    const b = store.commandEnqueue(cmd(7, T0 + 1));
    store.commandEnqueue(cmd(8, T0));
    expect(store.commandsPending(7, T0 + MINUTE).map((c) => c.id)).toEqual([a, b]);
    expect(store.command(a)).toMatchObject({ deviceId: 7, state: "queued", detail: null, createdAt: T0, expiresAt: T0 + 10 * MINUTE, updatedAt: T0 });

    expect(store.commandSetState(a, "delivered", undefined, T0 + MINUTE)).toBe(true);
    expect(store.commandsPending(7, T0 + MINUTE).map((c) => [c.id, c.state])).toEqual([[a, "delivered"], [b, "queued"]]);
    expect(store.commandSetState(a, "applied", undefined, T0 + 2 * MINUTE)).toBe(true);
    expect(store.commandSetState(b, "rejected", "threshold out of range", T0 + 2 * MINUTE)).toBe(true);
    expect(store.commandsPending(7, T0 + 2 * MINUTE)).toEqual([]);
    expect(store.command(b)).toMatchObject({ state: "rejected", detail: "threshold out of range", updatedAt: T0 + 2 * MINUTE });
  });

  it("a final state never changes: a late answer is refused", () => {
    const store = openStore();
    const id = store.commandEnqueue(cmd(7, T0));
    store.commandSetState(id, "applied");
    expect(store.commandSetState(id, "rejected", "late")).toBe(false);
    expect(store.commandSetState(id, "expired")).toBe(false);
    expect(store.command(id)).toMatchObject({ state: "applied", detail: null });
    expect(store.commandSetState(12345, "applied")).toBe(false);
    expect(store.command(12345)).toBeUndefined();
  });

  it("expire once when their time is up, and are not offered after it", () => {
    const store = openStore();
    const short = store.commandEnqueue(cmd(7, T0, MINUTE));
    const delivered = store.commandEnqueue(cmd(7, T0, 2 * MINUTE));
    const long = store.commandEnqueue(cmd(7, T0, DAY));
    const done = store.commandEnqueue(cmd(7, T0, MINUTE));
    store.commandSetState(delivered, "delivered");
    store.commandSetState(done, "applied");

    expect(store.commandsPending(7, T0 + MINUTE).map((c) => c.id)).toEqual([delivered, long]);
    expect(store.commandsExpire(T0 + 2 * MINUTE).map((c) => [c.id, c.state, c.updatedAt])).toEqual([
      [short, "expired", T0 + 2 * MINUTE],
      [delivered, "expired", T0 + 2 * MINUTE],
    ]);
    expect(store.commandsExpire(T0 + 3 * MINUTE)).toEqual([]);
    expect(store.command(done)?.state).toBe("applied");
    expect(store.commandsPending(7, T0 + 3 * MINUTE).map((c) => c.id)).toEqual([long]);
    expect(store.commandList({ deviceId: 7 }).map((c) => c.id)).toEqual([done, long, delivered, short]);
  });

  it("keep their ids across restarts, and finished ones are pruned with the history age", () => {
    const file = tmp.file();
    const store = openStore({ file, history: { maxAgeDays: 1 } });
    const old = store.commandEnqueue(cmd(7, T0));
    store.commandSetState(old, "applied", undefined, T0);
    const open = store.commandEnqueue(cmd(7, T0, 10 * DAY));
    closeStore(store);

    const again = openStore({ file, history: { maxAgeDays: 1 } });
    const next = again.commandEnqueue(cmd(7, T0 + 3 * DAY));
    expect(next).toBeGreaterThan(open);
    expect(again.enforceLimits(T0 + 3 * DAY).commandsPruned).toBe(1);
    expect(again.command(old)).toBeUndefined();
    expect(again.commandList().map((c) => c.id)).toEqual([next, open]);
  });
});
