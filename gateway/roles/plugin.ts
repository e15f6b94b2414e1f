// What the gateway adds to a role's descriptor: how its messages become normalized output, the
// output kinds it publishes with their JSON Schemas, the fields its alarms add, and its own
// sections of a registry entry. Each role's plug-in lives in gateway/roles/<role>/.

import type { Envelope } from "../../shared/envelope.js";
import type { MessageTypeName } from "../../shared/messages.js";
import type { RoleDescriptor } from "../../shared/roles/descriptor.js";
import type { Normalized } from "../normalize/common.js";
import type { Device, DeviceEntry } from "../registry/registry.js";
import type { RolePage } from "./page.js";

export type Normalizer<T extends MessageTypeName = MessageTypeName> = (env: Envelope<T>, device: Device, receivedAt: Date) => Normalized;

/** A JSON Schema object. */
export type Schema = Record<string, unknown>;

/** What a unit of the role is in the FIWARE Device model, and where its alerts belong in the Alert model. */
export interface FiwareDevice {
  /** Device `controlledProperty`: what the unit senses (the model's list) */
  controlledProperty: readonly string[];
  /** Device `deviceCategory`: sensor, actuator, network, ... */
  deviceCategory: readonly string[];
  /** Alert `category` of the unit's health alerts: the domain the unit serves (the model has none for equipment) */
  alertCategory: string;
}

export interface GatewayRole {
  role: RoleDescriptor;
  fiware: FiwareDevice;
  /** one per message type the role sends */
  normalizers: { readonly [T in MessageTypeName]?: Normalizer<T> };
  /** the output kinds (topic levels) it publishes, each with the schema of its payload (which $refs common.json) */
  outputs: Readonly<Record<string, Schema>>;
  /** what its messages add to the `alarm` kind: alarm types and their fields */
  alarms?: { types: readonly string[]; properties: Readonly<Record<string, Schema>> };
  /** what the fleet page shows of its units; absent: its units are listed under the role's name */
  page?: RolePage;
  /** its own properties of a registry entry, and the rules between them */
  registry?: {
    properties: Readonly<Record<string, Schema>>;
    /** what is wrong with an entry of any role (a section may appear on others), or undefined */
    check?(entry: DeviceEntry): string | undefined;
  };
}
