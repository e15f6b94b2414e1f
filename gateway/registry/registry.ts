import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";
import type { RoleName } from "../../shared/messages.js";
import { roleNames } from "../../shared/roles/catalog.js";
import { gatewayRoles, rolesVersion } from "../roles/index.js";
import { derivedValidator, describeErrors } from "../schema.js";
import { keysFromHex } from "../security/device-keys.js";
import { rows, tabulate, type FleetTable } from "./fleet-table.js";
import { fingerprint, readCache, sha256, writeCache, type FleetFile, type Prefetched } from "./registry-cache.js";
import base from "./registry.schema.json" with { type: "json" };

/**
 * The properties a role adds to its units' registry entries; each role's gateway plug-in
 * declares its own (`declare module`), e.g. the levels of a water gauge.
 */
export interface RoleSections {}

export interface DeviceEntry extends RoleSections {
  id: number;
  role: RoleName;
  /** absent when the key comes from the keys file */
  key?: string;
  site: string;
  name: string;
  location: { lat: number; lon: number };
  road?: string;
  direction?: string;
  reportIntervalS?: number;
}

export interface Device extends Omit<DeviceEntry, "key"> {
  /** raw key bytes; never logged (Device has no toJSON of the key) */
  readonly keyBytes: Uint8Array;
}

export class RegistryError extends Error {
  override name = "RegistryError";
}

type Json = Record<string, unknown>;

/** The registry schema with the registered roles and the properties each adds to an entry. */
export function registrySchema(): Json {
  const device = base.$defs.device;
  const extra = gatewayRoles().map((p) => p.registry?.properties ?? {});
  return {
    ...base,
    $defs: {
      ...base.$defs,
      device: { ...device, properties: { ...device.properties, role: { enum: roleNames() }, ...Object.assign({}, ...extra) } },
    },
  };
}

const validate = derivedValidator<{ devices: DeviceEntry[] }>(registrySchema, rolesVersion);

/** What a fleet file is checked against, as text: the registry cache's entries are only as good as these. */
const rules = () => JSON.stringify(registrySchema()) + gatewayRoles().map((p) => String(p.registry?.check)).join("\n");

/** Where a unit's key comes from: the keys file's map, or any lookup by id. */
export interface DeviceKeys {
  get(id: number): Uint8Array | undefined;
  has(id: number): boolean;
}

/** The fleet registry: who may talk to the gateway, with which key, and where each unit stands. */
export class Registry {
  private readonly byId = new Map<number, Device>();
  /** units listed but not provisioned yet (no key anywhere): not in service until they have one */
  readonly awaitingKey: DeviceEntry[] = [];

  /** `fleet`: the entries, checked here; or the table of a fleet checked before (the cache's, which holds no keys). */
  constructor(fleet: DeviceEntry[] | FleetTable, keys?: DeviceKeys) {
    if (Array.isArray(fleet)) check(fleet);
    const inline = Array.isArray(fleet) ? inlineKeys(fleet, keys) : undefined;
    const units = rows(Array.isArray(fleet) ? tabulate(fleet) : fleet, (id) => keys?.get(id) ?? inline?.get(id));
    for (let i = 0; i < units.length; i++) {
      const { id, keyBytes } = units[i]! as { id: number; keyBytes?: Uint8Array };
      if (keyBytes) this.byId.set(id, units[i] as unknown as Device);
      else {
        const { keyBytes: _none, ...entry } = units[i]!;
        this.awaitingKey.push(entry as unknown as DeviceEntry);
      }
    }
  }

  static parse(json: unknown, source = "registry", keys?: DeviceKeys): Registry {
    return new Registry(validated(json, source), keys);
  }

  /**
   * Keys at rest stay private: a registry that holds keys itself must be readable by the
   * gateway's user only, like the keys file (gateway/security/device-keys.ts). With `cache`, a
   * fleet file read, checked and found without keys before is built from the cache's table
   * (registry-cache.ts); any change to the file is read and checked again. `prefetched`: the
   * fleet file and the cache as read already (`prefetch`).
   */
  static load(file: string, keys?: DeviceKeys, cache?: string, prefetched: Prefetched = {}): Registry {
    const { bytes, mode } = prefetched.fleet ?? readFleet(file);
    const print = cache === undefined ? undefined : fingerprint(prefetched.fleet?.sha256 ?? sha256(bytes), rules());
    const cached = cache === undefined ? undefined : readCache(cache, print!, prefetched.cache);
    if (cached) return new Registry(cached, keys);
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString("utf8"));
    } catch (err) {
      throw new RegistryError(`cannot read fleet registry ${file}: ${(err as Error).message}`);
    }
    const devices = validated(json, file);
    const holdsKeys = devices.some((d) => d.key !== undefined);
    if (holdsKeys && (mode & 0o077) !== 0) {
      throw new RegistryError(
        `fleet registry ${file} holds device keys but has mode ${(mode & 0o777).toString(8).padStart(4, "0")}; ` +
          `run: chmod 600 '${file}', or move the keys to the config's keys file`,
      );
    }
    if (cache === undefined || holdsKeys) return new Registry(devices, keys);
    check(devices);
    const table = tabulate(devices);
    writeCache(cache, print!, table);
    return new Registry(table, keys);
  }

  get(id: number): Device | undefined {
    return this.byId.get(id);
  }

  all(): Device[] {
    return [...this.byId.values()];
  }
}

function readFleet(file: string): FleetFile {
  try {
    const fd = openSync(file, "r");
    try {
      return { mode: fstatSync(fd).mode, bytes: readFileSync(fd) };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new RegistryError(`cannot read fleet registry ${file}: ${(err as Error).message}`);
  }
}

function validated(json: unknown, source: string): DeviceEntry[] {
  if (!validate(json)) throw new RegistryError(`${source}: ${describeErrors(validate.errors)}`);
  return json.devices;
}

/** Refuses a duplicate id or an entry its role's plug-in finds wrong, naming the entry. */
function check(entries: DeviceEntry[]): void {
  const plugins = gatewayRoles();
  const ids = new Set<number>();
  for (const [index, entry] of entries.entries()) {
    const fail = (problem: string) => new RegistryError(`devices[${index}] (id ${entry.id}, "${entry.name}"): ${problem}`);
    if (ids.has(entry.id)) throw fail(`duplicate device id ${entry.id}`);
    ids.add(entry.id);
    for (const plugin of plugins) {
      const problem = plugin.registry?.check?.(entry);
      if (problem !== undefined) throw fail(problem);
    }
  }
}

/** The keys in the entries, as bytes; the keys file's key wins over one in the entry. */
function inlineKeys(entries: DeviceEntry[], keys: DeviceKeys | undefined): Map<number, Uint8Array> {
  const inline = entries.filter((e) => e.key !== undefined && !keys?.has(e.id));
  return new Map(keysFromHex(inline.map((e) => e.key!)).map((k, i) => [inline[i]!.id, k]));
}
