import { MAX_FRAME } from "../../shared/envelope.js";
import { MAX_RELAY_RECORD } from "../../shared/relay.js";
import { SlipDecoder } from "../../shared/slip.js";

/** Where deframed bytes go: the gateway routes frames into the pipeline. */
export interface FrameSink {
  frame(frame: Uint8Array, link: Link): void;
  framingError(reason: string, link: Link, dropped: number): void;
}

/** A byte link to devices: a serial port, or a simulated device in demo mode. */
export interface Link {
  readonly name: string;
  /** "bridge" links carry relay records from a LoRa bridge rather than bare frames */
  readonly kind: "direct" | "bridge";
  /** the one device a link belongs to, when it belongs to one */
  readonly deviceId?: number;
  /** sends one frame, SLIP-framed; false when the link is down */
  send(frame: Uint8Array): boolean;
  stop(): Promise<void>;
}

/** The SLIP deframer every link feeds, sized to the largest record its kind of link carries. */
export function createDeframer(link: Link, sink: FrameSink): SlipDecoder {
  return new SlipDecoder(
    (frame) => sink.frame(frame, link),
    (reason, dropped) => sink.framingError(reason, link, dropped),
    link.kind === "bridge" ? MAX_RELAY_RECORD : MAX_FRAME,
  );
}
