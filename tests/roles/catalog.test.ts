// The role catalog: the wire tables it derives are the protocol's (docs/protocol.md), every
// built-in descriptor is consistent with itself, and a role that clashes is refused whole.

import { describe, expect, it } from "vitest";
import { validateCommand } from "../../gateway/commands/translate.js";
import { resolveConfig } from "../../gateway/config.js";
import { registrySchema } from "../../gateway/registry/registry.js";
import {
  ALARM_TYPES, BODY_SPECS, COMMAND_SETTINGS, CommandKey, MessageType, RoleCode, allRoles, registerRole, roleNames, roleSends,
} from "../../shared/roles/catalog.js";
import type { RoleDescriptor } from "../../shared/roles/descriptor.js";
import { brokenRule, checkSetting, settingDefaults } from "../../shared/settings.js";

const base: RoleDescriptor = {
  name: "probe", code: 200, messages: {}, settings: {}, health: { intervalS: 60, battery: null, offlineSeverity: "warning" },
};

describe("role catalog", () => {
  it("derives the protocol's tables from the built-in roles, unchanged on the wire", () => {
    expect(MessageType).toEqual({
      status: 0, ack: 1, loopInterval: 2, signStats: 3, floodReport: 4, floodAlarm: 5, signHistogram: 6, command: 7, commandResult: 8,
    });
    expect(RoleCode).toEqual({ loop: 1, sign: 2, flood: 3, bridge: 4 });
    expect(CommandKey).toEqual({
      id: 1, op: 2, timeS: 3, statusS: 4, limitKmh: 5, flashMarginKmh: 6, blankAboveKmh: 7, statsIntervalS: 8,
      referenceMm: 9, alertMm: 10, dangerMm: 11, reportIntervalS: 12, fastIntervalS: 13, intervalS: 14,
    });
    expect(COMMAND_SETTINGS).toEqual(Object.keys(CommandKey).sort((a, b) => CommandKey[a]! - CommandKey[b]!).slice(3));
    expect(BODY_SPECS.status!.role).toEqual({ key: 1, min: 1, max: 4 });
    expect(BODY_SPECS.command!.intervalS).toEqual({ key: 14, min: 20, max: 60, optional: true });
    expect(ALARM_TYPES).toEqual(["floodAlarm"]);
  });

  it("lets a unit send only its role's messages, plus status and command results", () => {
    expect(roleSends("loop", "loopInterval")).toBe(true);
    expect(roleSends("loop", "floodAlarm")).toBe(false);
    expect(roleSends("bridge", "status")).toBe(true);
    expect(roleSends("bridge", "commandResult")).toBe(true);
    expect(roleSends("sign", "ack")).toBe(false);
    expect(roleSends("nobody", "status")).toBe(true);
    expect(roleSends("nobody", "signStats")).toBe(false);
  });

  it("has descriptors whose defaults pass their own checks and rules", () => {
    for (const role of allRoles()) {
      for (const [name, spec] of Object.entries(role.settings)) expect(checkSetting(name, spec, spec.default), `${role.name}.${name}`).toBeUndefined();
      expect(brokenRule(role.rules ?? [], settingDefaults(role.settings)), role.name).toBeUndefined();
      for (const [type, message] of Object.entries(role.messages)) {
        for (const [field, spec] of Object.entries(message.fields)) expect(spec.min, `${type}.${field}`).toBeLessThanOrEqual(spec.max);
      }
    }
  });

  it("derives the registry, config and command schemas, so no role can be missing from them", () => {
    const device = (registrySchema().$defs as { device: { properties: { role: { enum: string[] } } } }).device;
    expect(device.properties.role.enum).toEqual(roleNames());
    for (const name of COMMAND_SETTINGS) {
      const info = BODY_SPECS.command![name]!;
      const schema = validateCommand.schema as { $defs: Record<string, { properties?: Record<string, unknown> }> };
      expect(Object.values(schema.$defs).some((d) => d.properties?.[name] !== undefined), name).toBe(true);
      expect(info.optional).toBe(true);
    }
    // every role's health defaults can be tuned in the config file
    const health = { defaultIntervalS: Object.fromEntries(roleNames().map((r) => [r, 120])), battery: Object.fromEntries(roleNames().map((r) => [r, null])) };
    expect(resolveConfig({ health }, "/").health).toEqual(health);
  });

  it("refuses a role that clashes with one it knows, and registers none of it", () => {
    const refused: [Partial<RoleDescriptor>, RegExp][] = [
      [{ name: "loop" }, /already registered/],
      [{ code: 3 }, /role code 3 is taken/],
      [{ messages: { floodAlarm: { code: 99, fields: {} } } }, /message type floodAlarm is already declared/],
      [{ messages: { probeReport: { code: 5, fields: {} } } }, /message code 5 is taken/],
      [{ settings: { limitKmh: { type: "int", default: 1, min: 0, max: 9, command: { key: 90, op: "setIntervals" } } } }, /limitKmh is already declared/],
      [{ settings: { probeS: { type: "int", default: 1, min: 0, max: 9, command: { key: 14, op: "setIntervals" } } } }, /command key 14 of probeS is taken/],
      [{ settings: { probeS: { type: "int", default: 1, min: 0, max: 9, command: { key: 90, op: "setProbe" } } } }, /command op setProbe is not declared/],
      [{ settings: { probeOn: { type: "bool", default: false, command: { key: 90, op: "setIntervals" } } } }, /must be an integer setting/],
    ];
    for (const [change, why] of refused) expect(() => registerRole({ ...base, ...change })).toThrow(why);
    expect(roleNames()).toEqual(["loop", "sign", "flood", "bridge"]);
    expect(Object.keys(MessageType)).not.toContain("probeReport");
    expect(CommandKey.probeS).toBeUndefined();
  });
});
