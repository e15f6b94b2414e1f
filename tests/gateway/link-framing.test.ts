import { describe, expect, it } from "vitest";
import { RELAY_DOWN, decodeRelayDown, encodeRelayUp } from "../../shared/relay.js";
import { slipEncode } from "../../shared/slip.js";
import { createDeframer, openRecord, receiveRecord, wrapFrame, type FrameOrigin, type FrameSink } from "../../gateway/ingest/link.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { KEYS } from "../support/fleet.js";

function recordingSink() {
  const frames: Array<{ frame: Uint8Array; origin: FrameOrigin }> = [];
  const rejected: Array<{ reason: string; source: string; bytes: number }> = [];
  const sink: FrameSink = {
    frame: (frame, origin) => frames.push({ frame, origin }),
    reject: (reason, _message, source, bytes) => rejected.push({ reason, source, bytes }),
  };
  return { frames, rejected, sink };
}

const packet = new ScriptedDevice(103, KEYS.flood).frame("floodReport", SAMPLE_BODIES.floodReport);

describe("links know their framing", () => {
  it("a relay link opens a LoRa bridge's record into the packet and the radio it was heard with", () => {
    const { frame, origin } = openRecord({ name: "/dev/ttyACM0", kind: "relay" }, encodeRelayUp({ rssiDbm: -101, snrDb10: 75, packet }));
    expect(frame).toEqual(packet);
    expect(origin).toEqual({ source: "/dev/ttyACM0", radio: { rssiDbm: -101, snrDb10: 75 } });
  });

  it("a relay link passes the bridge's own frames through, and a direct link never reads relay records", () => {
    expect(openRecord({ name: "bridge", kind: "relay" }, packet)).toEqual({ frame: packet, origin: { source: "bridge" } });
    const record = encodeRelayUp({ rssiDbm: -90, snrDb10: 10, packet });
    expect(openRecord({ name: "usb", kind: "direct", deviceId: 103 }, record)).toEqual({ frame: record, origin: { source: "usb", deviceId: 103 } });
  });

  it("answers over LoRa what was heard over LoRa, and plainly what was not", () => {
    const ack = Uint8Array.of(1, 2, 3);
    const onAir = wrapFrame(ack, { source: "bridge", radio: { rssiDbm: -100, snrDb10: 0 } });
    expect(onAir[0]).toBe(RELAY_DOWN);
    expect(decodeRelayDown(onAir)).toEqual(ack);
    expect(wrapFrame(ack, { source: "usb" })).toBe(ack);
  });

  it("counts a broken relay record under a reason on its link and loses nothing after it", () => {
    const { frames, rejected, sink } = recordingSink();
    const deframer = createDeframer({ name: "bridge", kind: "relay" }, sink);
    const truncated = Uint8Array.of(0x52, 0xff);
    deframer.push(slipEncode(truncated));
    deframer.push(slipEncode(encodeRelayUp({ rssiDbm: -80, snrDb10: 5, packet })));
    expect(rejected).toEqual([{ reason: "framing", source: "bridge", bytes: 2 }]);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.frame).toEqual(packet);
  });

  it("reports SLIP damage on the link it happened on", () => {
    const { frames, rejected, sink } = recordingSink();
    receiveRecord({ name: "usb", kind: "direct" }, packet, sink);
    const deframer = createDeframer({ name: "usb", kind: "direct" }, sink);
    deframer.push(Uint8Array.of(0xc0, 0xdb, 0x01, 0xc0));
    expect(frames).toHaveLength(1);
    expect(rejected).toMatchObject([{ reason: "framing", source: "usb" }]);
  });
});
