import type { AnyEnvelope } from "../../shared/envelope.js";
import type { FrameOrigin } from "../ingest/link.js";
import type { LinkQuality } from "../metrics/metrics.js";
import type { Observation } from "./device-health.js";

/**
 * What one accepted frame tells about its unit's health. Link quality comes from the bridge's
 * radio when a LoRa bridge heard the frame (it measured this very packet), else from what the unit
 * reports in its status.
 */
export function observationOf(envelope: AnyEnvelope, origin: FrameOrigin, receivedAt: Date): Observation {
  const status = envelope.type === "status" ? envelope.body : undefined;
  const rssiDbm = origin.radio?.rssiDbm ?? status?.rssiDbm;
  const snrDb10 = origin.radio?.snrDb10 ?? status?.snrDb10;
  return {
    boot: envelope.boot, seq: envelope.seq, type: envelope.type, receivedAt,
    ...(status ? { batteryMv: status.batteryMv, queueDepth: status.queueDepth } : {}),
    ...(rssiDbm !== undefined ? { rssiDbm } : {}),
    ...(snrDb10 !== undefined ? { snrDb10 } : {}),
    link: origin.source,
    ...(origin.radio ? { relayed: true } : {}),
  };
}

/** The same, in the units the per-device metrics use (dB, V). */
export function linkQualityOf(o: Observation): LinkQuality {
  return {
    ...(o.rssiDbm !== undefined ? { rssi: o.rssiDbm } : {}),
    ...(o.snrDb10 !== undefined ? { snr: o.snrDb10 / 10 } : {}),
    ...(o.batteryMv !== undefined ? { batteryV: o.batteryMv / 1000 } : {}),
  };
}
