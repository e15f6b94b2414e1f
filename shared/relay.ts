// Records between a LoRa bridge and the gateway on their serial link (SLIP-framed like every
// frame). The first byte tells a record from an envelope frame (CBOR array(7) = 0x87), so the
// bridge's own status frames and acks share the link with the relayed traffic:
//   uplink relay record   'R' (0x52) | RSSI dBm int16 BE | SNR tenths of dB int16 BE | LoRa packet
//   downlink transmit     'T' (0x54) | packet to put on the air
// The packet is carried as-is: the bridge never parses or verifies it, the gateway does.

import { MAX_FRAME } from "./envelope.js";
import { ProtocolError } from "./errors.js";

export const RELAY_UP = 0x52;
export const RELAY_DOWN = 0x54;
/** marker + RSSI + SNR */
export const RELAY_UP_HEADER = 5;
/** Largest record on the link: a deframer for a bridge link must accept this many bytes. */
export const MAX_RELAY_RECORD = RELAY_UP_HEADER + MAX_FRAME;

/** What the bridge's radio measured for one packet it heard. */
export interface RadioMeta {
  rssiDbm: number;
  /** signal-to-noise ratio in tenths of a dB */
  snrDb10: number;
}

export interface RelayUp extends RadioMeta {
  packet: Uint8Array;
}

const INT16_MIN = -0x8000;
const INT16_MAX = 0x7fff;

export function encodeRelayUp(up: RelayUp): Uint8Array {
  checkInt16("rssiDbm", up.rssiDbm);
  checkInt16("snrDb10", up.snrDb10);
  checkPacket(up.packet.length);
  const record = new Uint8Array(RELAY_UP_HEADER + up.packet.length);
  const view = new DataView(record.buffer);
  record[0] = RELAY_UP;
  view.setInt16(1, up.rssiDbm);
  view.setInt16(3, up.snrDb10);
  record.set(up.packet, RELAY_UP_HEADER);
  return record;
}

/** The packet is a view into `record`. */
export function decodeRelayUp(record: Uint8Array): RelayUp {
  if (record[0] !== RELAY_UP) throw new ProtocolError("framing", "not an uplink relay record");
  checkPacket(record.length - RELAY_UP_HEADER);
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  return { rssiDbm: view.getInt16(1), snrDb10: view.getInt16(3), packet: record.subarray(RELAY_UP_HEADER) };
}

export function encodeRelayDown(packet: Uint8Array): Uint8Array {
  checkPacket(packet.length);
  const record = new Uint8Array(1 + packet.length);
  record[0] = RELAY_DOWN;
  record.set(packet, 1);
  return record;
}

/** The packet, as a view into `record`. */
export function decodeRelayDown(record: Uint8Array): Uint8Array {
  if (record[0] !== RELAY_DOWN) throw new ProtocolError("framing", "not a downlink transmit record");
  checkPacket(record.length - 1);
  return record.subarray(1);
}

function checkPacket(length: number): void {
  if (length < 1 || length > MAX_FRAME) {
    throw new ProtocolError("framing", `relayed packet of ${length} bytes is outside 1..${MAX_FRAME}`);
  }
}

function checkInt16(name: string, value: number): void {
  if (!Number.isInteger(value) || value < INT16_MIN || value > INT16_MAX) {
    throw new ProtocolError("framing", `${name}=${value} does not fit a signed 16-bit field`);
  }
}
