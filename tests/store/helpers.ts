import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReadingRecord } from "../../gateway/store/store.js";

export const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** A fresh folder per test file; `cleanup` removes it with every SQLite file in it. */
export function tempDir(prefix = "pantau-store-"): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, "data"));
  let n = 0;
  return {
    dir,
    file: (name = `store-${n++}.db`) => join(dir, "data", name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A plausible traffic reading, one a minute; override anything. */
export function reading(deviceId: number, seq: number, over: Partial<ReadingRecord> = {}): ReadingRecord {
  const kind = over.kind ?? "traffic";
  return {
    deviceId,
    boot: 1,
    seq,
    type: "loopInterval",
    kind,
    topic: `pantau/v1/smg-01/${deviceId}/${kind}`,
    payload: JSON.stringify({ deviceId, seq, intensity: seq % 40 }),
    observedAt: T0 + seq * MINUTE,
    receivedAt: T0 + seq * MINUTE + 300,
    alarm: kind === "alarm",
    ...over,
  };
}
