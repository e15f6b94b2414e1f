import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";
import type { RoleName } from "../../shared/messages.js";
import { roleNames } from "../../shared/roles/catalog.js";
import { gatewayRoles, rolesVersion } from "../roles/index.js";
import { derivedValidator, describeErrors } from "../schema.js";
import { keysFromHex } from "../security/device-keys.js";
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

/** The fleet registry: who may talk to the gateway, with which key, and where each unit stands. */
export class Registry {
  private readonly byId = new Map<number, Device>();
  /** units listed but not provisioned yet (no key anywhere): not in service until they have one */
  readonly awaitingKey: DeviceEntry[] = [];

  constructor(entries: DeviceEntry[], keys?: ReadonlyMap<number, Uint8Array>) {
    // the keys file's key wins over one in the entry
    const inline = entries.filter((e) => e.key !== undefined && !keys?.has(e.id));
    const inlineKeys = new Map(keysFromHex(inline.map((e) => e.key!)).map((k, i) => [inline[i]!.id, k]));
    const plugins = gatewayRoles();
    const shared = new SharedValues();
    const ids = new Set<number>();
    for (const [index, entry] of entries.entries()) {
      const fail = (problem: string) => new RegistryError(`devices[${index}] (id ${entry.id}, "${entry.name}"): ${problem}`);
      if (ids.has(entry.id)) throw fail(`duplicate device id ${entry.id}`);
      ids.add(entry.id);
      for (const plugin of plugins) {
        const problem = plugin.registry?.check?.(entry);
        if (problem !== undefined) throw fail(problem);
      }
      const keyBytes = keys?.get(entry.id) ?? inlineKeys.get(entry.id);
      if (keyBytes) this.byId.set(entry.id, shared.device(entry, keyBytes));
      else this.awaitingKey.push(entry);
    }
  }

  static parse(json: unknown, source = "registry", keys?: ReadonlyMap<number, Uint8Array>): Registry {
    if (!validate(json)) throw new RegistryError(`${source}: ${describeErrors(validate.errors)}`);
    return new Registry(json.devices, keys);
  }

  /**
   * Keys at rest stay private: a registry that holds keys itself must be readable by the
   * gateway's user only, like the keys file (gateway/security/device-keys.ts).
   */
  static load(file: string, keys?: ReadonlyMap<number, Uint8Array>): Registry {
    let json: unknown;
    let mode: number;
    try {
      const fd = openSync(file, "r");
      try {
        mode = fstatSync(fd).mode;
        json = JSON.parse(readFileSync(fd, "utf8"));
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw new RegistryError(`cannot read fleet registry ${file}: ${(err as Error).message}`);
    }
    const registry = Registry.parse(json, file, keys);
    const holdsKeys = (json as { devices: DeviceEntry[] }).devices.some((d) => d.key !== undefined);
    if (holdsKeys && (mode & 0o077) !== 0) {
      throw new RegistryError(
        `fleet registry ${file} holds device keys but has mode ${(mode & 0o777).toString(8).padStart(4, "0")}; ` +
          `run: chmod 600 '${file}', or move the keys to the config's keys file`,
      );
    }
    return registry;
  }

  get(id: number): Device | undefined {
    return this.byId.get(id);
  }

  all(): Device[] {
    return [...this.byId.values()];
  }
}

/** what is the unit's own: the rest a fleet repeats from unit to unit */
const OWN = new Set(["id", "name", "location"]);

/**
 * Devices that share what their entries repeat (role, site, road, direction, lanes, a role's
 * section): one string or object for all the units that hold the same, read-only. A Device made
 * by spreading the parsed entry took some 660 bytes a unit, its key aside; built property by
 * property with shared values, about 140 (65,535 units: 42 -> 9 MiB).
 */
class SharedValues {
  private readonly strings = new Map<string, string>();
  private readonly objects = new Map<string, object>();

  device(entry: DeviceEntry, keyBytes: Uint8Array): Device {
    const device: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(entry)) {
      if (name !== "key") device[name] = OWN.has(name) ? value : this.shared(value);
    }
    device.keyBytes = keyBytes;
    return device as unknown as Device;
  }

  private shared(value: unknown): unknown {
    if (typeof value === "string") return once(this.strings, value, value);
    if (typeof value === "object" && value !== null) return once(this.objects, JSON.stringify(value), value);
    return value;
  }
}

function once<T>(seen: Map<string, T>, key: string, value: T): T {
  const known = seen.get(key);
  if (known !== undefined) return known;
  seen.set(key, value);
  return value;
}
