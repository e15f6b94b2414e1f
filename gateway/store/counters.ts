import type { Database } from "better-sqlite3";

/** Totals kept in the `meta` table, so they add up across restarts. */
export const COUNTER_KEYS = {
  historyDropped: "history_dropped",
  outboxDropped: "outbox_dropped",
  outboxAlarmsDropped: "outbox_alarms_dropped",
} as const;

export type CounterKey = (typeof COUNTER_KEYS)[keyof typeof COUNTER_KEYS];

/** Adds to persisted counters; call inside the transaction that did what they count, so they stay exact across a crash. */
export function counterBumper(db: Database): (key: CounterKey, n: number) => void {
  const bump = db.prepare<[string, number]>(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
  );
  return (key, n) => {
    if (n > 0) bump.run(key, n);
  };
}
