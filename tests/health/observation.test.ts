import { describe, expect, it } from "vitest";
import type { AnyEnvelope } from "../../shared/envelope.js";
import { linkQualityOf, observationOf } from "../../gateway/health/observation.js";
import { SAMPLE_BODIES } from "../support/device.js";

const at = new Date(Date.UTC(2026, 10, 23, 3, 0, 0));
const status = { type: "status", deviceId: 103, boot: 2, seq: 7, timeS: 0, body: { ...SAMPLE_BODIES.status, batteryMv: 3710, rssiDbm: -97, snrDb10: 55 } } as AnyEnvelope;
const report = { type: "floodReport", deviceId: 103, boot: 2, seq: 8, timeS: 0, body: SAMPLE_BODIES.floodReport } as AnyEnvelope;

describe("what a frame tells about its unit's health", () => {
  it("takes link quality from the bridge's radio when a LoRa bridge heard the frame", () => {
    const o = observationOf(status, { source: "bridge", radio: { rssiDbm: -112, snrDb10: -35 } }, at);
    expect(o).toEqual({ boot: 2, seq: 7, type: "status", receivedAt: at, batteryMv: 3710, queueDepth: 0, rssiDbm: -112, snrDb10: -35, link: "bridge", relayed: true });
    expect(linkQualityOf(o)).toEqual({ rssi: -112, snr: -3.5, batteryV: 3.71 });
  });

  it("takes what the unit reports otherwise, and nothing a frame does not say", () => {
    expect(observationOf(status, { source: "usb" }, at)).toMatchObject({ rssiDbm: -97, snrDb10: 55 });
    const plain = observationOf(report, { source: "usb" }, at);
    expect(plain).toEqual({ boot: 2, seq: 8, type: "floodReport", receivedAt: at, link: "usb" });
    expect(linkQualityOf(plain)).toEqual({});
  });
});
