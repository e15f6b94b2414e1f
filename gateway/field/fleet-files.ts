// The fleet registry and the keys file as the field tools change them: read as plain JSON, entries
// added or completed, written atomically (a temporary file renamed over the old one) with mode 0600
// where keys are kept, so a crash leaves either the old file or the new one, never half of one.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadConfig } from "../config.js";
import { Registry, type DeviceEntry } from "../registry/registry.js";
import { loadDeviceKeys } from "../security/device-keys.js";
import { CliError } from "../cli/errors.js";

export interface FleetPaths {
  registry: string;
  /** absent: keys live in the registry itself */
  keys?: string;
}

/** --config names both files; otherwise --registry (and --keys). */
export function fleetPaths(opts: { config?: string; registry?: string; keys?: string }): FleetPaths {
  if (opts.config) {
    const config = loadConfig(opts.config);
    return { registry: config.registry, ...(config.keys ? { keys: config.keys } : {}) };
  }
  return { registry: opts.registry ?? "fleet.json", ...(opts.keys ? { keys: opts.keys } : {}) };
}

export class FleetFiles {
  private constructor(readonly paths: FleetPaths, readonly entries: DeviceEntry[], readonly keys: Map<number, string>) {}

  /** Reads both files (a missing one is empty), checked as the gateway checks them. */
  static load(paths: FleetPaths): FleetFiles {
    let entries: DeviceEntry[] = [];
    if (existsSync(paths.registry)) {
      // the gateway's own loader: schema, duplicates, thresholds, and the mode of a file holding keys
      Registry.load(paths.registry, paths.keys && existsSync(paths.keys) ? loadDeviceKeys(paths.keys) : undefined);
      entries = (JSON.parse(readFileSync(paths.registry, "utf8")) as { devices: DeviceEntry[] }).devices;
    }
    const keys = new Map<number, string>();
    if (paths.keys && existsSync(paths.keys)) {
      for (const [id, key] of loadDeviceKeys(paths.keys)) keys.set(id, Buffer.from(key).toString("hex"));
    }
    return new FleetFiles(paths, entries, keys);
  }

  entry(id: number): DeviceEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  /** The unit's key in hex, from the keys file or the registry. */
  keyOf(id: number): string | undefined {
    return this.keys.get(id) ?? this.entry(id)?.key;
  }

  /** Puts `entry` (without its key) and `keyHex` in place of what the files held for its id, and writes both. */
  put(entry: DeviceEntry, keyHex: string): void {
    const { key: _old, ...bare } = entry;
    const stored: DeviceEntry = this.paths.keys ? bare : { ...bare, key: keyHex };
    const at = this.entries.findIndex((e) => e.id === entry.id);
    if (at >= 0) this.entries[at] = stored;
    else this.entries.push(stored);
    // the gateway's checks before anything is written
    new Registry(this.entries.map((e) => ({ ...e, key: e.key ?? (e.id === entry.id ? keyHex : this.keys.get(e.id)) })));
    if (this.paths.keys) {
      this.keys.set(entry.id, keyHex);
      writeAtomically(this.paths.keys, `${JSON.stringify(Object.fromEntries([...this.keys].sort(([a], [b]) => a - b)), null, 2)}\n`, 0o600);
    }
    const holdsKeys = this.entries.some((e) => e.key !== undefined);
    writeAtomically(this.paths.registry, `${JSON.stringify({ devices: this.entries }, null, 2)}\n`, holdsKeys ? 0o600 : 0o644);
  }
}

export function writeAtomically(file: string, text: string, mode: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, text, { mode, flag: "wx" });
    renameSync(temp, file);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`, "check that the folder exists and is writable by you");
  }
}
