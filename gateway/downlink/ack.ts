import { encodeFrame } from "../../shared/envelope.js";
import type { AckRequest } from "../pipeline/pipeline.js";
import { nodeMac } from "../pipeline/verify.js";

/**
 * The ack for one uplink, signed with the device's key. Its header repeats the (boot, seq) it
 * answers, and its time sets the device clock.
 */
export function ackFrame(req: AckRequest, now = Date.now()): Uint8Array {
  const timeS = Math.floor(now / 1000);
  const { boot, seq } = req.envelope;
  return encodeFrame(
    { type: "ack", deviceId: req.device.id, boot, seq, timeS, body: { boot, seq, timeS, result: req.result } },
    req.device.keyBytes,
    nodeMac,
  );
}
