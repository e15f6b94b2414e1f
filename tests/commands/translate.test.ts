// The gateway's side of the command protocol without a broker: the JSON Schema agrees with the
// wire ranges, every command the gateway can build fits a LoRa frame, and refusals read clearly.

import { describe, expect, it } from "vitest";
import { Decoder } from "cbor-x";
import {
  checkForDevice, commandFrame, describeAnswer, describeCommandErrors, validateCommand, wireBody, type Command,
} from "../../gateway/commands/translate.js";
import { Registry } from "../../gateway/registry/registry.js";
import { CommandOp, CommandResultCode, MAX_AIR_FRAME } from "../../shared/messages.js";
import { BODY_SPECS, COMMAND_SETTINGS } from "../../shared/roles/catalog.js";
import { MIC_BYTES } from "../../shared/envelope.js";
import { TEST_DEVICES } from "../support/fleet.js";

const registry = new Registry([
  ...TEST_DEVICES,
  { id: 65535, role: "bridge", key: "00".repeat(16), site: "s", name: "bridge", location: { lat: 0, lon: 0 } },
]);
const device = (id: number) => registry.get(id)!;
const defs = (validateCommand.schema as { $defs: unknown }).$defs as unknown as Record<string, { properties: Record<string, { minimum?: number; maximum?: number; enum?: number[] }> }>;

function schemaRange(name: string): [number, number] {
  for (const def of Object.values(defs)) {
    const p = def.properties?.[name];
    if (p) return p.enum ? [Math.min(...p.enum), Math.max(...p.enum)] : [p.minimum!, p.maximum!];
  }
  throw new Error(`${name} is in no command`);
}

/** The largest value of each setting in CBOR bytes: the most negative when the range allows it. */
function largest(name: string): number {
  const [min, max] = schemaRange(name);
  return -min - 1 > max ? min : max;
}

describe("commands: JSON to wire", () => {
  it("takes every setting the wire carries, within the same ranges", () => {
    for (const name of COMMAND_SETTINGS) {
      const spec = BODY_SPECS.command![name]!;
      const [min, max] = schemaRange(name);
      expect({ name, min: Math.max(min, spec.min), max: Math.min(max, spec.max) }).toEqual({ name, min, max });
    }
  });

  it("fits every command the gateway builds, for every role, into a LoRa frame", () => {
    const largestOfEach: Command[] = [
      { op: "setSign", limitKmh: largest("limitKmh"), flashMarginKmh: largest("flashMarginKmh"), blankAboveKmh: largest("blankAboveKmh") },
      { op: "setFlood", alertMm: -20000, dangerMm: 20000, referenceMm: largest("referenceMm") },
      { op: "setIntervals", statusS: largest("statusS"), statsIntervalS: 3600, reportIntervalS: 3600, fastIntervalS: 3600, intervalS: 60 },
      { op: "requestStatus" }, { op: "reboot" }, { op: "setTime" }, { op: "setTime", timeS: 4294967295 },
    ];
    const isSetting = (k: string) => (COMMAND_SETTINGS as readonly string[]).includes(k);
    let built = 0;
    for (const id of [101, 102, 103, 65535]) {
      for (const c of largestOfEach) {
        // only the settings this unit has: the gateway refuses the others
        const own = Object.fromEntries(Object.entries(c).filter(([k, v]) => !isSetting(k) || checkForDevice({ op: c.op, [k]: v } as Command, device(id)) === undefined));
        if (!validateCommand(own)) continue;
        const frame = commandFrame(own, 0xffffffff, 4294967295 * 1000, device(id), Date.now());
        expect(frame.length, `${device(id).role} ${c.op}`).toBeLessThanOrEqual(MAX_AIR_FRAME);
        built++;
      }
    }
    // sign and flood: their own set command, intervals and the four bare ones; loop and bridge: intervals and the bare ones
    expect(built).toBe(6 + 6 + 5 + 5);
  });

  it("signs a frame cbor-x reads: issue time in the header, boot and seq 0", () => {
    const createdAt = Date.UTC(2026, 10, 23);
    const frame = commandFrame({ op: "setSign", limitKmh: 30, ttlS: 60, ref: "cc-1" }, 77, createdAt, device(102), createdAt + 5000);
    const decoded = new Decoder({ mapsAsObjects: false, useRecords: false }).decode(frame.subarray(0, frame.length - MIC_BYTES)) as unknown[];
    expect(decoded.slice(0, 6)).toEqual([1, 102, 0, 0, 7, createdAt / 1000]);
    expect(decoded[6]).toEqual(new Map([[1, 77], [2, CommandOp.set], [5, 30]]));
    expect(wireBody({ op: "setTime" }, 3, 1_800_000_000_500)).toEqual({ id: 3, op: CommandOp.setTime, timeS: 1_800_000_000 });
  });

  it("explains what is wrong with a command in one line", () => {
    const why = (c: unknown) => (validateCommand(c) ? "valid" : describeCommandErrors(validateCommand.errors));
    expect(why({ op: "setSign", limitKmh: 30 })).toBe("valid");
    expect(why({ op: "launch" })).toMatch(/^\/op must be equal to one of the allowed values \(setSign, setFlood/);
    expect(why({ op: "setSign", limitKmh: 500 })).toBe("/limitKmh must be <= 200");
    expect(why({ op: "setSign" })).toBe("(root) needs at least one of limitKmh, flashMarginKmh, blankAboveKmh");
    expect(why({ op: "setSign", limitKmh: 30, colour: "red" })).toBe("(root) must NOT have additional properties (colour)");
    expect(why({ op: "setIntervals", intervalS: 45 })).toBe("/intervalS must be equal to one of the allowed values (20, 30, 60)");
    expect(why({ op: "reboot", ttlS: 0 })).toBe("/ttlS must be >= 1");
    expect(why([1])).toMatch(/must be object/);
    expect(checkForDevice({ op: "setSign", limitKmh: 30 }, device(103))).toBe("limitKmh is a sign setting; device 103 is a flood unit");
    expect(checkForDevice({ op: "setIntervals", statusS: 600 }, device(103))).toBeUndefined();
    expect(checkForDevice({ op: "setSign", limitKmh: 60, blankAboveKmh: 60 }, device(102))).toBe("blankAboveKmh (60) must be above limitKmh (60)");
    expect(checkForDevice({ op: "setFlood", alertMm: 900, dangerMm: 800 }, device(103))).toBe("dangerMm (800) must be above alertMm (900)");
    expect(checkForDevice({ op: "setIntervals", reportIntervalS: 300, fastIntervalS: 600 }, device(103))).toBe("fastIntervalS (600) must not exceed reportIntervalS (300)");
  });

  it("turns the unit's answers into states and sentences", () => {
    expect(describeAnswer(CommandResultCode.applied, undefined)).toEqual({ state: "applied", detail: "applied by the unit" });
    expect(describeAnswer(CommandResultCode.rejected, 5)).toEqual({ state: "rejected", detail: "the unit refused limitKmh; none of the command's settings were changed" });
    expect(describeAnswer(CommandResultCode.unsupported, 20).detail).toBe("the unit's firmware does not know key 20");
    expect(describeAnswer(CommandResultCode.stale, undefined).detail).toMatch(/newer command.*replay protection/);
  });
});
