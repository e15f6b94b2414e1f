// Measures a body the way it will go on the air: inside an envelope whose header fields take
// their largest encodings, with the MIC. A body that fits here fits on any device, any day.

import { encodeSigned, MIC_BYTES, MAX_BOOT, MAX_DEVICE_ID, MAX_SEQ, type AnyEnvelope } from "../../../shared/envelope.js";
import { MAX_AIR_FRAME, type BodyByType, type MessageTypeName } from "../../../shared/messages.js";

export function worstCaseFrameBytes<T extends MessageTypeName>(type: T, body: BodyByType[T]): number {
  const env = { deviceId: MAX_DEVICE_ID, boot: MAX_BOOT, seq: MAX_SEQ, timeS: 0xffffffff, type, body } as AnyEnvelope;
  return encodeSigned(env).length + MIC_BYTES;
}

export function fitsAir<T extends MessageTypeName>(type: T, body: BodyByType[T]): boolean {
  return worstCaseFrameBytes(type, body) <= MAX_AIR_FRAME;
}
