import { MAX_FRAME } from "../../shared/envelope.js";
import { ProtocolError, type RejectReason } from "../../shared/errors.js";
import { decodeRelayUp, encodeRelayDown, MAX_RELAY_RECORD, RELAY_UP, type RadioMeta } from "../../shared/relay.js";
import { SlipDecoder } from "../../shared/slip.js";

/** Where a frame came from, and so how its answer goes back. */
export interface FrameOrigin {
  /** the link (port or simulated device) the frame arrived on */
  source: string;
  /** set when a LoRa bridge heard the frame on the air */
  radio?: RadioMeta;
  /** set when the link belongs to one device (a Wi-Fi unit's raw topic): other ids are refused */
  deviceId?: number;
}

/** Where links hand what they receive: the pipeline, through the gateway's link set. */
export interface FrameSink {
  frame(frame: Uint8Array, origin: FrameOrigin): void;
  /** a record that never became a frame (bad SLIP, a broken relay record) */
  reject(reason: RejectReason, message: string, source: string, bytes: number): void;
}

/**
 * What a link carries between SLIP and envelope frames. `direct`: the frames themselves.
 * `relay`: a LoRa bridge's records, each a relayed packet with its radio measurements (or a bare
 * frame of the bridge's own), and downlinks wrapped for the bridge to transmit.
 */
export type LinkKind = "direct" | "relay";

export const LINK_KINDS: readonly LinkKind[] = ["direct", "relay"];

/** A serial port's state; also the values of the port state metric. */
export const LINK_STATES = ["opening", "open", "closed", "stopped"] as const;
export type LinkState = (typeof LINK_STATES)[number];

/** A byte link to devices: a serial port, a Wi-Fi unit's raw topic, or a simulated device. */
export interface Link {
  readonly name: string;
  readonly kind: LinkKind;
  /** the one device a link belongs to, when it belongs to one */
  readonly deviceId?: number;
  /** shown on /healthz; a link without a port of its own is always "open" */
  readonly state: LinkState;
  /** puts one record (already framed for this kind of link) on the link; false when it is down */
  send(record: Uint8Array): boolean;
  start?(): void;
  stop(): Promise<void>;
  /** stops reading (`true`) while the gateway catches up, and reads again (`false`); a link that cannot wait has none */
  hold?(on: boolean): void;
}

/** A deframed record as the frame inside it and where that frame came from. Throws ProtocolError. */
export function openRecord(link: Pick<Link, "name" | "kind" | "deviceId">, record: Uint8Array): { frame: Uint8Array; origin: FrameOrigin } {
  const origin: FrameOrigin = { source: link.name, ...(link.deviceId !== undefined ? { deviceId: link.deviceId } : {}) };
  if (link.kind !== "relay" || record[0] !== RELAY_UP) return { frame: record, origin };
  const { packet, rssiDbm, snrDb10 } = decodeRelayUp(record);
  return { frame: packet, origin: { ...origin, radio: { rssiDbm, snrDb10 } } };
}

/** A frame for a device as the record its link carries: a frame heard over LoRa is answered over LoRa. */
export function wrapFrame(frame: Uint8Array, origin: FrameOrigin): Uint8Array {
  return origin.radio ? encodeRelayDown(frame) : frame;
}

/** Hands one received record to the sink as a frame, or as a counted rejection. */
export function receiveRecord(link: Pick<Link, "name" | "kind" | "deviceId">, record: Uint8Array, sink: FrameSink): void {
  let opened: { frame: Uint8Array; origin: FrameOrigin };
  try {
    opened = openRecord(link, record);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return sink.reject(err.reason, err.message, link.name, record.length);
  }
  sink.frame(opened.frame, opened.origin);
}

/** The SLIP deframer every byte-stream link feeds, sized to the largest record its kind carries. */
export function createDeframer(link: Pick<Link, "name" | "kind" | "deviceId">, sink: FrameSink): SlipDecoder {
  return new SlipDecoder(
    (record) => receiveRecord(link, record, sink),
    (reason, dropped) => sink.reject("framing", `SLIP ${reason}`, link.name, dropped),
    link.kind === "relay" ? MAX_RELAY_RECORD : MAX_FRAME,
  );
}
