import type { ReadingRecord } from "../../gateway/store/store.js";
import { MINUTE, T0 } from "./time.js";

/** One reading a minute from T0 on, as the pipeline would commit it; override anything, `site` for its topic. */
export function reading(deviceId: number, seq: number, over: Partial<ReadingRecord> & { site?: string } = {}): ReadingRecord {
  const { site = "smg-01", ...fields } = over;
  const kind = fields.kind ?? "traffic";
  return {
    deviceId,
    boot: 1,
    seq,
    type: kind === "flood" ? "floodReport" : "loopInterval",
    kind,
    topic: `pantau/v1/${site}/${deviceId}/${kind}`,
    // one entity per unit and kind, each reading an observation of it
    payload: JSON.stringify({ id: `urn:test:${deviceId}:${kind}`, messageId: `urn:test:${deviceId}:1:${seq}`, deviceId, seq }),
    observedAt: T0 + seq * MINUTE,
    receivedAt: T0 + seq * MINUTE + 250,
    alarm: kind === "alarm",
    ...fields,
  };
}
