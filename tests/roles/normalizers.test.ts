// Each role's normalizers on their own, without a gateway: every message type a role sends has
// one, its output passes the published schema of its kind, and a type the role does not send is
// refused.

import { describe, expect, it } from "vitest";
import { isoTime, timeAttribute } from "../../gateway/normalize/common.js";
import { normalize } from "../../gateway/normalize/index.js";
import { outputValidator } from "../../gateway/normalize/schemas.js";
import { Registry } from "../../gateway/registry/registry.js";
import { gatewayRole, gatewayRoles } from "../../gateway/roles/index.js";
import type { AnyEnvelope } from "../../shared/envelope.js";
import { ProtocolError } from "../../shared/errors.js";
import { TEST_DEVICES } from "../support/fleet.js";
import { SAMPLE_BODIES } from "../support/device.js";
import { T0 } from "../support/time.js";

const registry = new Registry(TEST_DEVICES);
const byRole = (role: string) => registry.all().find((d) => d.role === role)!;
const envelope = (type: keyof typeof SAMPLE_BODIES, deviceId: number) =>
  ({ type, deviceId, boot: 3, seq: 7, timeS: T0 / 1000, body: SAMPLE_BODIES[type] }) as AnyEnvelope;

describe("normalizers", () => {
  for (const plugin of gatewayRoles()) {
    for (const type of Object.keys(plugin.role.messages) as (keyof typeof SAMPLE_BODIES)[]) {
      it(`${plugin.role.name}: ${type} becomes a schema-valid message of the role's own kind`, () => {
        const device = byRole(plugin.role.name);
        const out = normalize(envelope(type, device.id), device, new Date(T0 + 400));
        expect(Object.keys(plugin.outputs).concat("alarm")).toContain(out.kind);
        const validate = outputValidator(out.kind);
        expect(validate(out.payload), JSON.stringify(validate.errors)).toBe(true);
        // each model names the observation time its own way (dateObserved, observationDateTime, dateIssued)
        expect(out.payload).toMatchObject({ deviceId: device.id, siteId: device.site, boot: 3, seq: 7, [timeAttribute(String(out.payload.type))]: new Date(T0).toISOString() });
      });
    }
  }

  it("turns a loop interval into TrafficFlowObserved with the lane's direction and named length classes", () => {
    const device = byRole("loop");
    const out = gatewayRole("loop")!.normalizers.loopInterval!(envelope("loopInterval", device.id) as never, device, new Date(T0));
    expect(out.payload).toMatchObject({
      laneId: 1, laneDirection: "forward", intensity: 23, occupancy: 0.142, dateObservedFrom: new Date(T0 - 60_000).toISOString(),
      vehicleClassCounts: { motorcycle: 4, short: 15, medium: 3, long: 1 },
    });
  });

  it("states a flood station's levels in metres with the registry's thresholds", () => {
    const device = byRole("flood");
    const out = normalize(envelope("floodReport", device.id), device, new Date(T0));
    expect(out.payload).toMatchObject({ currentLevel: 1.15, measuredDistance: 3.05, alertLevel: 1.5, dangerLevel: 2.5, alertStage: "Siaga 4" });
  });

  it("formats times as Date#toISOString does, across more seconds than it keeps formatted", () => {
    const times = [0, 7, 42, 999, 1000, -1, -1001, T0, T0 + 5, T0 + 60_000, T0 - 60_000, T0 + 123_456, Date.UTC(2106, 1, 7, 6, 28, 15, 9)];
    for (let i = 0; i < 1000; i++) times.push(T0 + i * 997, T0 - i * 61);
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it("refuses a type the device's role does not send", () => {
    const device = byRole("sign");
    expect(() => normalize(envelope("floodReport", device.id), device, new Date(T0))).toThrow(ProtocolError);
    expect(() => normalize(envelope("floodReport", device.id), device, new Date(T0))).toThrow(/not a reading a sign unit sends/);
  });
});
