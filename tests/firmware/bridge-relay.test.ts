// The bridge <-> gateway serial records (shared/relay.ts): layout and strict length checks.

import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../shared/errors.js";
import {
  decodeRelayDown, decodeRelayUp, encodeRelayDown, encodeRelayUp, MAX_RELAY_RECORD, RELAY_DOWN, RELAY_UP,
} from "../../shared/relay.js";

const packet = Uint8Array.from({ length: 40 }, (_, i) => 0x80 + i);

describe("relay records", () => {
  it("lays out an uplink record as marker, RSSI and SNR (int16 BE), packet", () => {
    const record = encodeRelayUp({ rssiDbm: -117, snrDb10: -73, packet });
    expect(Buffer.from(record.subarray(0, 5)).toString("hex")).toBe("52ff8bffb7");
    expect(record.subarray(5)).toEqual(packet);
    expect(decodeRelayUp(record)).toEqual({ rssiDbm: -117, snrDb10: -73, packet });
    expect(record[0]).toBe(RELAY_UP);
  });

  it("lays out a downlink record as marker and packet", () => {
    const record = encodeRelayDown(packet);
    expect(record[0]).toBe(RELAY_DOWN);
    expect(decodeRelayDown(record)).toEqual(packet);
  });

  it("takes packets of 1..255 bytes and nothing else", () => {
    const max = new Uint8Array(255);
    expect(encodeRelayUp({ rssiDbm: 0, snrDb10: 0, packet: max }).length).toBe(MAX_RELAY_RECORD);
    const refuse = (fn: () => unknown) => expect(fn).toThrow(ProtocolError);
    refuse(() => encodeRelayUp({ rssiDbm: 0, snrDb10: 0, packet: new Uint8Array(0) }));
    refuse(() => encodeRelayUp({ rssiDbm: 0, snrDb10: 0, packet: new Uint8Array(256) }));
    refuse(() => encodeRelayDown(new Uint8Array(256)));
    refuse(() => decodeRelayUp(Uint8Array.of(RELAY_UP, 0xff, 0x8b, 0xff, 0xb7)));
    refuse(() => decodeRelayUp(Uint8Array.of(RELAY_UP, 0xff)));
    refuse(() => decodeRelayUp(new Uint8Array(MAX_RELAY_RECORD + 1).fill(RELAY_UP, 0, 1)));
    refuse(() => decodeRelayDown(Uint8Array.of(RELAY_DOWN)));
    refuse(() => decodeRelayDown(encodeRelayUp({ rssiDbm: 1, snrDb10: 1, packet })));
    refuse(() => decodeRelayUp(Uint8Array.of(0x87, 1, 2, 3, 4, 5)));
    refuse(() => encodeRelayUp({ rssiDbm: 40000, snrDb10: 0, packet }));
    refuse(() => encodeRelayUp({ rssiDbm: -90.5, snrDb10: 0, packet }));
    try {
      decodeRelayDown(Uint8Array.of(RELAY_DOWN));
    } catch (err) {
      expect((err as ProtocolError).reason).toBe("framing");
    }
  });
});
