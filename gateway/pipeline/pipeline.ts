import { EventEmitter } from "node:events";
import type { AnyEnvelope } from "../../shared/envelope.js";
import { ProtocolError, type RejectReason } from "../../shared/errors.js";
import { AckResult } from "../../shared/messages.js";
import type { Logger } from "../log.js";
import { normalize } from "../normalize/index.js";
import type { Publisher } from "../publish/publisher.js";
import type { Device, Registry } from "../registry/registry.js";
import { ReplayWindows } from "./replay-window.js";
import { verifyFrame } from "./verify.js";

export type Outcome = "accepted" | RejectReason;

export const OUTCOMES: readonly Outcome[] = [
  "accepted", "framing", "cbor", "envelope", "version", "unknown-device", "mic", "replay", "range", "type",
];

/** Radio metadata when a frame came through a LoRa bridge. */
export interface RadioMeta {
  rssiDbm: number;
  snrDb10: number;
}

export interface FrameOrigin {
  /** the port (or simulated link) the frame arrived on */
  source: string;
  radio?: RadioMeta;
}

/** An authentic frame to answer: acks go back on the link it came from. */
export interface AckRequest {
  device: Device;
  envelope: AnyEnvelope;
  origin: FrameOrigin;
  result: number;
}

export interface Accepted {
  envelope: AnyEnvelope;
  device: Device;
  origin: FrameOrigin;
  receivedAt: Date;
}

/**
 * The gateway's path for one frame: verify -> normalize -> publish, counting every outcome.
 * Emits "accepted" once a frame is published and "ack" for every authentic frame, fresh or
 * resent, so the device can stop resending it.
 */
export class Pipeline extends EventEmitter<{ accepted: [Accepted]; ack: [AckRequest] }> {
  readonly counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  readonly windows = new ReplayWindows();

  constructor(
    private readonly registry: Registry,
    private readonly publisher: Publisher,
    private readonly log: Logger,
  ) {
    super();
  }

  async handleFrame(frame: Uint8Array, origin: FrameOrigin, receivedAt = new Date()): Promise<Outcome> {
    try {
      const { envelope, device, verdict } = verifyFrame(frame, this.registry, this.windows);
      if (verdict !== "fresh") {
        const result = verdict === "replay" ? AckResult.duplicate : AckResult.rejected;
        this.emit("ack", { device, envelope, origin, result });
        throw new ProtocolError("replay", `${verdict} (boot ${envelope.boot}, seq ${envelope.seq}) from device ${device.id}`);
      }
      const message = normalize(envelope, device, receivedAt);
      this.windows.record(device.id, envelope.boot, envelope.seq);
      await this.publisher.publish(device.site, device.id, message);
      this.counts.accepted++;
      this.log.debug({ source: origin.source, deviceId: device.id, type: envelope.type, boot: envelope.boot, seq: envelope.seq }, "frame accepted");
      this.emit("ack", { device, envelope, origin, result: AckResult.ok });
      this.emit("accepted", { envelope, device, origin, receivedAt });
      return "accepted";
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return this.reject(err.reason, err.message, origin.source, frame.length);
    }
  }

  /** Framing errors come from the deframer, before there is a frame to verify. */
  reject(reason: RejectReason, message: string, source: string, bytes: number): RejectReason {
    this.counts[reason]++;
    this.log.warn({ source, reason, bytes }, `frame rejected: ${message}`);
    return reason;
  }
}
