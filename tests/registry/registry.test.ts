// The registry as the gateway holds it: each unit as its entry says (the key as bytes), with the
// keys file's key before one in the entry, units without a key waiting, and a bad fleet refused
// by the entry that is wrong.

import { describe, expect, it } from "vitest";
import { Registry, RegistryError, type DeviceEntry } from "../../gateway/registry/registry.js";
import { KEYS, keyBytes, TEST_DEVICES } from "../support/fleet.js";

const withoutKey = ({ key: _key, ...rest }: DeviceEntry) => rest;

describe("registry", () => {
  it("holds every unit as its entry says, whatever its fleet shares with it", () => {
    const fleet = Array.from({ length: 300 }, (_, i) => ({ ...TEST_DEVICES[i % 3]!, id: 1000 + i, name: `unit ${i}` }));
    const registry = new Registry(fleet);
    expect(registry.all()).toHaveLength(300);
    for (const entry of fleet) expect(registry.get(entry.id)).toEqual({ ...withoutKey(entry), keyBytes: keyBytes(entry.key!) });
  });

  it("takes a unit's key from the keys file before its entry, and keeps a unit with no key waiting", () => {
    const stranger = keyBytes(KEYS.stranger);
    const waiting = { ...withoutKey(TEST_DEVICES[2]!), id: 104 };
    const registry = new Registry([...TEST_DEVICES, waiting], new Map([[102, stranger]]));
    expect(registry.get(101)!.keyBytes).toEqual(keyBytes(KEYS.loop));
    expect(registry.get(102)!.keyBytes).toEqual(stranger);
    expect(registry.get(104)).toBeUndefined();
    expect(registry.awaitingKey).toEqual([waiting]);
  });

  it("refuses a duplicate id, also of a unit waiting for its key, naming the entry", () => {
    const waiting = withoutKey(TEST_DEVICES[0]!);
    expect(() => new Registry([waiting, TEST_DEVICES[0]!])).toThrow(new RegistryError(`devices[1] (id 101, "Jl. Pemuda loop station"): duplicate device id 101`));
    expect(() => Registry.parse({ devices: [...TEST_DEVICES, { ...TEST_DEVICES[1]!, name: "again" }] })).toThrow(`devices[3] (id 102, "again"): duplicate device id 102`);
  });

  it("refuses an entry its role's plug-in finds wrong, naming the entry", () => {
    const flood = { ...TEST_DEVICES[2]!, flood: { referenceLevelM: 4.2, alertLevelM: 3, dangerLevelM: 2.5 } };
    expect(() => Registry.parse({ devices: [TEST_DEVICES[0]!, flood] })).toThrow(`devices[1] (id 103, "Kali Semarang gauge"): flood.alertLevelM must be below flood.dangerLevelM`);
  });
});
