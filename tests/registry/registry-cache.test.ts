// The registry cache: a restart with the same fleet file builds the units from the cache, any
// edit to the file is read and checked again, and keys are never written into it.

import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prefetch } from "../../gateway/registry/registry-cache.js";
import { Registry, type DeviceEntry } from "../../gateway/registry/registry.js";
import { KEYS, keyBytes, TEST_DEVICES } from "../support/fleet.js";
import { tempDir } from "../support/temp.js";

const withoutKey = ({ key: _key, ...rest }: DeviceEntry) => rest;
const keysFile = new Map(TEST_DEVICES.map((d) => [d.id, keyBytes(d.key!)]));

function files(devices: object[]) {
  const dir = tempDir("pantau-registry-cache-");
  const fleet = join(dir, "fleet.json");
  writeFileSync(fleet, JSON.stringify({ devices }));
  return { fleet, cache: join(dir, "data", "registry.cache") };
}

describe("registry cache", () => {
  it("builds the same registry from the cache as from the file, and reads the cache when the file is unchanged", () => {
    const waiting = { ...withoutKey(TEST_DEVICES[2]!), id: 104, name: "not provisioned yet" };
    const { fleet, cache } = files([...TEST_DEVICES.map(withoutKey), waiting]);
    const fromFile = Registry.load(fleet, keysFile, cache);
    expect(existsSync(cache)).toBe(true);
    const fromCache = Registry.load(fleet, keysFile, cache);
    expect(fromCache.all()).toEqual(fromFile.all());
    expect(fromCache.all()).toEqual(TEST_DEVICES.map((d) => ({ ...withoutKey(d), keyBytes: keyBytes(d.key!) })));
    expect(fromCache.awaitingKey).toEqual([waiting]);
    // a name changed in the cache alone shows that the second load came from it
    writeFileSync(cache, readFileSync(cache, "utf8").replace("Jl. Pemuda speed sign", "from the cache"));
    expect(Registry.load(fleet, keysFile, cache).get(102)!.name).toBe("from the cache");
  });

  it("keeps names past ASCII as they are", () => {
    const named = TEST_DEVICES.map((d, i) => ({ ...withoutKey(d), name: ["Kali Semarang — pintu air ①", "Jl. Pemuda 🚦", "Bandarharjo é"][i]! }));
    const { fleet, cache } = files(named);
    Registry.load(fleet, keysFile, cache);
    expect(Registry.load(fleet, keysFile, cache).all().map((d) => d.name)).toEqual(named.map((d) => d.name));
  });

  it("reads an edited fleet file again, and refuses an edit that breaks it as if there were no cache", () => {
    const { fleet, cache } = files(TEST_DEVICES.map(withoutKey));
    Registry.load(fleet, keysFile, cache);
    const renamed = TEST_DEVICES.map((d) => (d.id === 102 ? { ...withoutKey(d), name: "renamed sign" } : withoutKey(d)));
    writeFileSync(fleet, JSON.stringify({ devices: renamed }));
    expect(Registry.load(fleet, keysFile, cache).get(102)!.name).toBe("renamed sign");
    writeFileSync(fleet, JSON.stringify({ devices: [...renamed, { ...renamed[0]!, name: "again" }] }));
    expect(() => Registry.load(fleet, keysFile, cache)).toThrow(`devices[3] (id 101, "again"): duplicate device id 101`);
    writeFileSync(fleet, JSON.stringify({ devices: [{ ...renamed[0]!, site: "Not A Site" }] }));
    expect(() => Registry.load(fleet, keysFile, cache)).toThrow(/\/devices\/0\/site must match pattern/);
  });

  it("reads the file again when the cache is cut short", () => {
    const { fleet, cache } = files(TEST_DEVICES.map(withoutKey));
    Registry.load(fleet, keysFile, cache);
    const text = readFileSync(cache, "utf8");
    writeFileSync(cache, text.slice(0, text.length / 2));
    expect(Registry.load(fleet, keysFile, cache).all()).toHaveLength(3);
    expect(readFileSync(cache, "utf8")).toBe(text);
  });

  it("never caches a fleet that holds keys", () => {
    const { fleet, cache } = files(TEST_DEVICES);
    chmodSync(fleet, 0o600);
    expect(Registry.load(fleet, undefined, cache).get(101)!.keyBytes).toEqual(keyBytes(KEYS.loop));
    expect(existsSync(cache)).toBe(false);
  });

  it("builds the same registry from the files read ahead (pantau gateway: on libuv's threads, the fleet hashed there)", async () => {
    const { fleet, cache } = files(TEST_DEVICES.map(withoutKey));
    const fromFile = Registry.load(fleet, keysFile, cache);
    const ahead = await prefetch(fleet, cache);
    expect(Registry.load(fleet, keysFile, cache, ahead).all()).toEqual(fromFile.all());
    // a name changed in the cache read ahead alone: that cache was used, under the fingerprint of the hash made ahead
    const edited = Buffer.from(ahead.cache!.toString("latin1").replace("Jl. Pemuda speed sign", "read ahead"), "latin1");
    expect(Registry.load(fleet, keysFile, cache, { ...ahead, cache: edited }).get(102)!.name).toBe("read ahead");
  });

  it("refuses a fleet file read ahead as the one read at once: keys in a file others may read, a file that is not there", async () => {
    const { fleet, cache } = files(TEST_DEVICES);
    chmodSync(fleet, 0o644);
    const open = await prefetch(fleet, cache);
    expect(() => Registry.load(fleet, undefined, cache, open)).toThrow(/holds device keys but has mode 0644; run: chmod 600/);
    const missing = join(fleet, "..", "none.json");
    const ahead = await prefetch(missing, cache);
    expect(ahead.fleet).toBeUndefined();
    expect(() => Registry.load(missing, undefined, cache, ahead)).toThrow(`cannot read fleet registry ${missing}: ENOENT: no such file or directory`);
  });
});
