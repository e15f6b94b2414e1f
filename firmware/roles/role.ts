// The contract between the device core and a role. A role turns sensor input into messages;
// the core owns identity, sequence numbers, the uplink queue, acks and the clock.

import type { BodyByType, MessageTypeName } from "../../shared/messages.js";
import type { Platform } from "../platform/platform.js";

/** Role settings as provisioned: flat keys with integer or string values (see docs/firmware.md). */
export type Settings = Readonly<Record<string, number | string | boolean>>;

export interface RoleContext {
  readonly platform: Platform;
  readonly settings: Settings;
  /** queue a report for the gateway; the core adds the envelope, MIC, seq and retries */
  send<T extends MessageTypeName>(type: T, body: BodyByType[T]): void;
  /** device wall-clock time in whole seconds (set from gateway acks; counts from boot until then) */
  nowS(): number;
  /** current fault bits the role wants in the next status frame (see Fault in shared/messages) */
  setFaults(bits: number): void;
}

export interface Role {
  start(): void;
  stop(): void;
  /** a setting changed at run time (a provisioning console or a command); return false to refuse */
  applySetting?(key: string, value: number | string | boolean): boolean;
  /** runs one of the tests its descriptor declares (RoleDescriptor.tests); answers once through done */
  runTest?(name: string, done: (result: RoleTestResult) => void): void;
}

export interface RoleTestResult {
  pass: boolean;
  /** what the test found, in words */
  found: string;
}

export type RoleFactory = (ctx: RoleContext) => Role;
