// What a role is, in one place both sides read: the messages it may send and their bodies, its
// settings and the rules between them, what the gateway makes of its messages, and how often it
// is expected to report. The firmware checks settings against it; the gateway derives its
// command checks, JSON Schemas and health defaults from it (shared/roles/catalog.ts).

import type { FieldSpec } from "../messages.js";
import type { SettingRule, SettingSpecs } from "../settings.js";

/** An uplink message type a role sends. */
export interface MessageSpec {
  /** the type code on the air (envelope field 4); unique across all roles */
  code: number;
  /** body fields by name: integer key, range, optional */
  fields: Readonly<Record<string, FieldSpec>>;
  /** sent at once and kept first in the unit's queue (a state change people must see now) */
  alarm?: boolean;
}

export interface BatteryPolicy {
  /** low below this, V */
  lowV: number;
  /** healthy again from this, V (hysteresis) */
  recoverV: number;
}

export interface HealthDefaults {
  /** expected reporting interval when the registry entry has no reportIntervalS, s */
  intervalS: number;
  /** the setting that is the role's reporting interval: a command that changes it changes what health expects */
  intervalSetting?: string;
  /** null: the role runs on mains or USB and has no battery to watch */
  battery: BatteryPolicy | null;
  /** severity of the alarm when such a unit goes silent */
  offlineSeverity: "critical" | "warning";
}

/** A gateway command op that sets some of the role's settings (each setting names its op). */
export interface CommandOpSpec {
  /** what the op is for, for the command schema's readers */
  doc: string;
}

/** A test the role runs on request (console op roleTest), e.g. the sign's display test. */
export interface RoleTestSpec {
  /** what it exercises and what a technician sees meanwhile */
  doc: string;
}

export interface RoleDescriptor {
  /** the role's name in the registry, on topics and in status messages */
  name: string;
  /** the role's code in status frames (StatusBody.role); unique */
  code: number;
  messages: Readonly<Record<string, MessageSpec>>;
  settings: SettingSpecs;
  rules?: readonly SettingRule[];
  /** command ops of its own; settings may also name an op another role or the core declares */
  commandOps?: Readonly<Record<string, CommandOpSpec>>;
  /** tests the unit runs when a technician asks, by name */
  tests?: Readonly<Record<string, RoleTestSpec>>;
  health: HealthDefaults;
}
