import type { Database } from "better-sqlite3";
import { Labels } from "./labels.js";
import { PayloadCodec } from "./payload-codec.js";
import type { StoredReading } from "./store.js";

/**
 * One schema step. Steps are applied in order, each in its own transaction together with the
 * bump of `PRAGMA user_version`, so a crash mid-upgrade leaves the file at the last whole step.
 * Append new steps at the end; never edit or reorder a step that has shipped. Adding a column is
 * `ALTER TABLE ... ADD COLUMN ... DEFAULT ...`, which SQLite does without rewriting the table.
 * A step's `run` uses this version's code (labels.ts, payload-codec.ts): a later change to those
 * must keep the format the step writes readable, or the step must keep its own copy.
 */
export interface Migration {
  /** the user_version the file has once this step is applied (1, 2, 3, ...) */
  version: number;
  description: string;
  sql: string;
  /** work SQL cannot do (packing payloads), run after `sql` in the same transaction */
  run?: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "ingest side: reading history, replay windows, persisted counters",
    sql: `
      CREATE TABLE readings (
        id          INTEGER PRIMARY KEY,
        device_id   INTEGER NOT NULL,
        boot        INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        type        TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        topic       TEXT    NOT NULL,
        payload     TEXT    NOT NULL,
        observed_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        alarm       INTEGER NOT NULL,
        UNIQUE (device_id, boot, seq)
      );
      CREATE INDEX readings_device_time ON readings (device_id, observed_at);
      CREATE INDEX readings_kind_time   ON readings (kind, observed_at);
      CREATE INDEX readings_time        ON readings (observed_at);
      -- retention ages by the gateway's clock: a device clock can be unset or wrong
      CREATE INDEX readings_received    ON readings (received_at);

      CREATE TABLE replay_windows (
        device_id INTEGER PRIMARY KEY,
        boot      INTEGER NOT NULL,
        top       INTEGER NOT NULL,
        seen      BLOB    NOT NULL
      );

      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: "upstream outbox and downlink commands",
    sql: `
      -- AUTOINCREMENT: an id is never reused, so a late ack can never delete a newer item
      CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        topic      TEXT    NOT NULL,
        payload    TEXT    NOT NULL,
        alarm      INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX outbox_alarm_age ON outbox (alarm, created_at);

      -- command ids are published to the command center, so they are never reused either
      CREATE TABLE commands (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        device_id  INTEGER NOT NULL,
        command    TEXT    NOT NULL,
        state      TEXT    NOT NULL,
        detail     TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX commands_device_state ON commands (device_id, state);
      CREATE INDEX commands_state_expiry ON commands (state, expires_at);
    `,
  },
  {
    version: 3,
    description: "where each unit was last heard, so a command after a restart goes out at once",
    sql: `
      CREATE TABLE last_heard (
        device_id INTEGER PRIMARY KEY,
        origin    TEXT    NOT NULL,
        heard_at  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    description: "the outbox as one message log read through per-sender cursors; a reading's message refers to its history row",
    sql: `
      -- everything offered upstream, in order: a reading's row refers to it (reading_id) instead of
      -- copying it, other messages carry topic and payload; AUTOINCREMENT: ids are never reused
      CREATE TABLE messages (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        reading_id INTEGER,
        topic      TEXT,
        payload    TEXT,
        alarm      INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      -- what an older outbox still held goes on as messages with their own copy, same ids
      INSERT INTO messages (id, topic, payload, alarm, created_at) SELECT id, topic, payload, alarm, created_at FROM outbox;
      DROP TABLE outbox;
      CREATE INDEX messages_alarm_age ON messages (alarm, created_at);
      CREATE INDEX messages_reading ON messages (reading_id) WHERE reading_id IS NOT NULL;

      -- each upstream sender's durable position: it has settled every message up to it
      CREATE TABLE outbox_cursors (
        consumer TEXT PRIMARY KEY,
        position INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- history retention deleting a reading still waiting upstream: an alarm keeps a copy of its
      -- own (alarms outlive the history), a routine message goes and is counted as dropped
      CREATE TRIGGER readings_retired AFTER DELETE ON readings
      WHEN EXISTS (SELECT 1 FROM messages WHERE reading_id = old.id)
      BEGIN
        UPDATE messages SET topic = old.topic, payload = old.payload, reading_id = NULL
         WHERE reading_id = old.id AND alarm = 1;
        INSERT INTO meta (key, value)
          SELECT 'outbox_dropped', count(*) FROM messages WHERE reading_id = old.id AND alarm = 0
          ON CONFLICT (key) DO UPDATE SET value = value + excluded.value;
        DELETE FROM messages WHERE reading_id = old.id;
      END;
    `,
  },
  {
    version: 5,
    description: "the page's login sessions, by a hash of their token, so a restart keeps people logged in",
    sql: `
      CREATE TABLE http_sessions (
        token_hash TEXT    PRIMARY KEY,
        username   TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        used_at    INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX http_sessions_used ON http_sessions (used_at);
    `,
  },
  {
    version: 6,
    description: "compact readings: payloads deflated with dictionaries kept in the file, types, kinds and topics as label ids, no index on received_at",
    sql: `
      DROP TRIGGER readings_retired;
      DROP INDEX readings_device_time;
      DROP INDEX readings_kind_time;
      DROP INDEX readings_time;
      DROP INDEX readings_received;
      ALTER TABLE readings RENAME TO readings_v5;

      -- the strings many readings share (message types, kinds, topics), each stored once; never changed or deleted
      CREATE TABLE labels (
        id   INTEGER PRIMARY KEY,
        text TEXT    NOT NULL UNIQUE
      );
      -- preset deflate dictionaries per message type and kind (payload-codec.ts); a packed payload
      -- names the one it needs, so a dictionary is never changed or deleted
      CREATE TABLE dictionaries (
        id         INTEGER PRIMARY KEY,
        type_id    INTEGER NOT NULL,
        kind_id    INTEGER NOT NULL,
        dictionary BLOB    NOT NULL
      );
      CREATE TABLE readings (
        id          INTEGER PRIMARY KEY,
        device_id   INTEGER NOT NULL,
        boot        INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        type_id     INTEGER NOT NULL,
        kind_id     INTEGER NOT NULL,
        topic_id    INTEGER NOT NULL,
        payload     BLOB    NOT NULL,
        observed_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        alarm       INTEGER NOT NULL,
        UNIQUE (device_id, boot, seq)
      );
    `,
    run: (db) => {
      const labels = new Labels(db);
      const codec = new PayloadCodec(db);
      const page = db.prepare<[number], V5Reading>(
        `SELECT id, device_id AS deviceId, boot, seq, type, kind, topic, payload, observed_at AS observedAt, received_at AS receivedAt, alarm
         FROM readings_v5 WHERE id > ? ORDER BY id LIMIT 1000`,
      );
      const insert = db.prepare(
        `INSERT INTO readings (id, device_id, boot, seq, type_id, kind_id, topic_id, payload, observed_at, received_at, alarm)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (let rows = page.all(0); rows.length > 0; rows = page.all(rows[rows.length - 1]!.id)) {
        for (const r of rows) {
          const typeId = labels.id(r.type);
          const kindId = labels.id(r.kind);
          insert.run(r.id, r.deviceId, r.boot, r.seq, typeId, kindId, labels.id(r.topic), codec.encode(typeId, kindId, r.payload), r.observedAt, r.receivedAt, r.alarm);
        }
      }
      db.exec(`
        DROP TABLE readings_v5;
        -- history by device, by kind, by time (store.ts); retention ages by id order, as ids follow arrival (retention.ts)
        CREATE INDEX readings_device_time ON readings (device_id, observed_at);
        CREATE INDEX readings_kind_time   ON readings (kind_id, observed_at);
        CREATE INDEX readings_time        ON readings (observed_at);

        -- as in v4, with the topic a label now
        CREATE TRIGGER readings_retired AFTER DELETE ON readings
        WHEN EXISTS (SELECT 1 FROM messages WHERE reading_id = old.id)
        BEGIN
          UPDATE messages SET topic = (SELECT text FROM labels WHERE id = old.topic_id), payload = old.payload, reading_id = NULL
           WHERE reading_id = old.id AND alarm = 1;
          INSERT INTO meta (key, value)
            SELECT 'outbox_dropped', count(*) FROM messages WHERE reading_id = old.id AND alarm = 0
            ON CONFLICT (key) DO UPDATE SET value = value + excluded.value;
          DELETE FROM messages WHERE reading_id = old.id;
        END;
      `);
    },
  },
  {
    version: 7,
    description: "the outbox's row count kept in the file, by triggers, so the row bound and /metrics read it instead of counting",
    sql: `
      -- kept in every transaction that adds or removes a message, whichever connection or path
      -- (a commit, the sender's cursor, the row bound, retention and its trigger on readings)
      INSERT OR REPLACE INTO meta (key, value) VALUES ('outbox_rows', (SELECT count(*) FROM messages));
      CREATE TRIGGER messages_counted_in AFTER INSERT ON messages
      BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'outbox_rows';
      END;
      CREATE TRIGGER messages_counted_out AFTER DELETE ON messages
      BEGIN
        UPDATE meta SET value = value - 1 WHERE key = 'outbox_rows';
      END;
    `,
  },
];

/** A v5 history row, as migration 6 reads it. */
type V5Reading = Omit<StoredReading, "alarm"> & { alarm: number };

export class SchemaError extends Error {
  override name = "SchemaError";
}

/** Brings the file up to the last step; returns the versions applied (empty when current). */
export function migrate(db: Database, steps: readonly Migration[] = MIGRATIONS): number[] {
  checkSteps(steps);
  const latest = steps.length;
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > latest) {
    throw new SchemaError(
      `${db.name} has schema version ${current}, newer than this gateway's ${latest}: refusing to open it (downgrade)`,
    );
  }
  const applied: number[] = [];
  for (const step of steps.slice(current)) {
    db.transaction(() => {
      db.exec(step.sql);
      step.run?.(db);
      db.pragma(`user_version = ${step.version}`);
    })();
    applied.push(step.version);
  }
  return applied;
}

/** A gap or a misnumbered step would silently skip SQL on some files; refuse it outright. */
function checkSteps(steps: readonly Migration[]): void {
  steps.forEach((s, i) => {
    if (s.version !== i + 1) throw new SchemaError(`migration #${i} is numbered ${s.version}, expected ${i + 1}`);
  });
}
