import { readFileSync } from "node:fs";
import type { RoleName } from "../../shared/messages.js";
import { compileSchema, describeErrors } from "../schema.js";
import schema from "./registry.schema.json" with { type: "json" };

export interface LaneInfo {
  lane: number;
  direction?: "forward" | "backward";
}

export interface DeviceEntry {
  id: number;
  role: RoleName;
  key: string;
  site: string;
  name: string;
  location: { lat: number; lon: number };
  road?: string;
  direction?: string;
  lanes?: LaneInfo[];
  reportIntervalS?: number;
  flood?: { referenceLevelM: number; alertLevelM: number; dangerLevelM: number };
  sign?: { speedLimitKmh: number };
}

export interface Device extends Omit<DeviceEntry, "key"> {
  /** raw key bytes; never logged (Device has no toJSON of the key) */
  readonly keyBytes: Uint8Array;
}

export class RegistryError extends Error {
  override name = "RegistryError";
}

const validate = compileSchema<{ devices: DeviceEntry[] }>(schema);

/** The fleet registry: who may talk to the gateway, with which key, and where each unit stands. */
export class Registry {
  private readonly byId = new Map<number, Device>();

  constructor(entries: DeviceEntry[]) {
    for (const [index, entry] of entries.entries()) {
      const where = `devices[${index}] (id ${entry.id}, "${entry.name}")`;
      if (this.byId.has(entry.id)) throw new RegistryError(`${where}: duplicate device id ${entry.id}`);
      if (entry.flood && !(entry.flood.alertLevelM < entry.flood.dangerLevelM)) {
        throw new RegistryError(`${where}: flood.alertLevelM must be below flood.dangerLevelM`);
      }
      if (entry.flood && entry.flood.dangerLevelM > entry.flood.referenceLevelM) {
        throw new RegistryError(`${where}: flood.dangerLevelM cannot exceed referenceLevelM (the sensor height)`);
      }
      if (entry.role === "flood" && !entry.flood) throw new RegistryError(`${where}: a flood device needs a "flood" section`);
      const { key, ...rest } = entry;
      this.byId.set(entry.id, { ...rest, keyBytes: Uint8Array.from(Buffer.from(key, "hex")) });
    }
  }

  static parse(json: unknown, source = "registry"): Registry {
    if (!validate(json)) throw new RegistryError(`${source}: ${describeErrors(validate.errors)}`);
    return new Registry(json.devices);
  }

  static load(file: string): Registry {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new RegistryError(`cannot read fleet registry ${file}: ${(err as Error).message}`);
    }
    return Registry.parse(json, file);
  }

  get(id: number): Device | undefined {
    return this.byId.get(id);
  }

  all(): Device[] {
    return [...this.byId.values()];
  }
}
