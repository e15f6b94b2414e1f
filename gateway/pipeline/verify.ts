import { createHmac } from "node:crypto";
import { Decoder } from "cbor-x";
import { micMatches, openEnvelope, parseEnvelope, splitFrame, type AnyEnvelope, type Mac } from "../../shared/envelope.js";
import { ProtocolError } from "../../shared/errors.js";
import type { Device, Registry } from "../registry/registry.js";
import type { ReplayVerdict, ReplayWindows } from "./replay-window.js";

export const nodeMac: Mac = (key, data) => createHmac("sha256", key).update(data).digest();

// Maps stay Maps and cbor-x's record extension stays off: the wire carries plain RFC 8949 only.
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });

export interface Verified {
  envelope: AnyEnvelope;
  device: Device;
  /** "fresh" frames go on; the others are authentic but already seen or too old to take */
  verdict: ReplayVerdict;
}

/**
 * Turns one deframed frame into a trusted envelope, or throws a ProtocolError naming why not.
 * Order matters: nothing in the body is believed before the MIC checks out, and the replay
 * window is consulted but not advanced (the caller records it once the frame is accepted).
 * A replay is returned, not thrown: an authentic resend after a lost ack still deserves an ack.
 */
/** A refused frame whose MIC held: the unit did send it, so it counts against that unit. */
export class AuthenticFrameError extends ProtocolError {
  constructor(cause: ProtocolError, readonly deviceId: number) {
    super(cause.reason, cause.message);
  }
}

export function verifyFrame(frame: Uint8Array, registry: Registry, windows: ReplayWindows, expectedDeviceId?: number): Verified {
  const split = splitFrame(frame);
  let decoded: unknown;
  try {
    decoded = decoder.decode(split.signed);
  } catch (err) {
    throw new ProtocolError("cbor", `bad CBOR: ${(err as Error).message}`);
  }
  const raw = parseEnvelope(decoded);
  if (expectedDeviceId !== undefined && raw.deviceId !== expectedDeviceId) {
    throw new ProtocolError("envelope", `frame of device ${raw.deviceId} on device ${expectedDeviceId}'s link`);
  }
  const device = registry.get(raw.deviceId);
  if (!device) throw new ProtocolError("unknown-device", `unknown device ${raw.deviceId}`);
  if (!micMatches(device.keyBytes, split, nodeMac)) throw new ProtocolError("mic", `bad MIC from device ${raw.deviceId}`);
  let envelope: AnyEnvelope;
  try {
    envelope = openEnvelope(raw);
  } catch (err) {
    throw err instanceof ProtocolError ? new AuthenticFrameError(err, device.id) : err;
  }
  return { envelope, device, verdict: windows.check(raw.deviceId, raw.boot, raw.seq) };
}
