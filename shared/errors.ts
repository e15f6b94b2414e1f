// Protocol errors carry the reason under which the gateway counts a rejected frame.

export type RejectReason =
  | "framing" | "cbor" | "envelope" | "version" | "unknown-device" | "mic" | "replay" | "range" | "type" | "role";

export class ProtocolError extends Error {
  override name = "ProtocolError";

  constructor(readonly reason: RejectReason, message: string) {
    super(message);
  }
}
