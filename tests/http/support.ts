import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store, type ReadingRecord } from "../../gateway/store/store.js";

export const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
export const MINUTE = 60_000;

/** A real store in a temp folder; `cleanup` closes it and removes the folder. */
export function tempStore(): { store: Store; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "pantau-http-"));
  const store = Store.open({ file: join(dir, "gateway.db") });
  return {
    store,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One reading a minute from T0 on, as the pipeline would commit it. */
export function reading(deviceId: number, site: string, seq: number, kind = "traffic"): ReadingRecord {
  return {
    deviceId,
    boot: 1,
    seq,
    type: kind === "flood" ? "floodReport" : "loopInterval",
    kind,
    topic: `pantau/v1/${site}/${deviceId}/${kind}`,
    payload: JSON.stringify({ id: `urn:test:${deviceId}:1:${seq}`, deviceId, seq }),
    observedAt: T0 + seq * MINUTE,
    receivedAt: T0 + seq * MINUTE + 250,
    alarm: kind === "alarm",
  };
}

export async function getJson(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(base + path, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}
