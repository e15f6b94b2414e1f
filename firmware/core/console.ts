// The unit's side of the provisioning console (protocol in console-protocol.ts): it runs on every
// unit, provisioned or not, on the host UART. An unprovisioned unit runs nothing else.

import { MAX_AIR_FRAME } from "../../shared/messages.js";
import type { Platform } from "../platform/platform.js";
import {
  CONSOLE_REQUEST, ConsoleFormatError, ConsoleOp, ConsoleStatus, encodeConsoleResponse, MUTATING_OPS, parseConsoleRequest,
  type ParsedRequest,
} from "./console-protocol.js";
import type { Device } from "./device.js";
import type { HostPort } from "./host-port.js";
import {
  checkIdentity, encodeSettings, isSettingValue, loadConsoleCounter, loadIdentity, loadKey, loadSettings, saveConsoleCounter,
  saveIdentity, saveSettings, storedBoot, type Identity,
} from "./identity.js";
import { checkCoreSetting, coreDefaults, isCoreSetting, needsRestart, type SettingValue } from "./settings.js";
import { FIRMWARE_VERSION } from "./version.js";

/** Setting names: short ASCII words, so they stay cheap in the stored CBOR map. */
const SETTING_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,23}$/;
const REBOOT_DELAY_MS = 200;

type Result = { status: number; result?: unknown };

export class Console {
  requests = 0;
  refused = 0;

  constructor(
    private readonly platform: Platform,
    private readonly host: HostPort,
    /** the running core, when the unit is provisioned */
    private readonly device?: Device,
  ) {
    host.on(CONSOLE_REQUEST, (frame) => this.handle(frame));
  }

  private handle(frame: Uint8Array): void {
    this.requests++;
    const key = loadKey(this.platform.storage);
    let request: ParsedRequest;
    try {
      request = parseConsoleRequest(frame, key);
    } catch (err) {
      if (!(err instanceof ConsoleFormatError)) throw err;
      this.reply({ op: 255, counter: 0, status: ConsoleStatus.badRequest, result: err.message }, key);
      return;
    }
    const answer = (outcome: Result): void => {
      if (outcome.status !== ConsoleStatus.ok) this.refused++;
      // Answer under the key the request was checked against, even if it just changed the key.
      this.reply({ op: request.op, counter: request.counter, status: outcome.status, result: outcome.result ?? null }, key);
    };
    const refusal = this.guard(request, key);
    if (!refusal && request.op === ConsoleOp.roleTest) {
      this.roleTest(request.args, answer);
      return;
    }
    const outcome = refusal ?? this.run(request);
    answer(outcome);
    if (request.op === ConsoleOp.reboot && outcome.status === ConsoleStatus.ok) {
      this.platform.setTimer(() => this.platform.restart(), REBOOT_DELAY_MS);
    }
  }

  /** Authentication and replay checks for changes once a key is set. */
  private guard(request: ParsedRequest, key: Uint8Array | undefined): Result | undefined {
    if (!key || !MUTATING_OPS.includes(request.op)) return undefined;
    if (!request.authenticated) return { status: ConsoleStatus.unauthorized, result: "this unit has a key: sign the request" };
    const last = loadConsoleCounter(this.platform.storage);
    if (request.counter <= last) return { status: ConsoleStatus.replay, result: `counter must exceed ${last}` };
    saveConsoleCounter(this.platform.storage, request.counter);
    return undefined;
  }

  private run(request: ParsedRequest): Result {
    const args = request.args instanceof Map ? request.args : new Map<unknown, unknown>();
    switch (request.op) {
      case ConsoleOp.info: return { status: ConsoleStatus.ok, result: this.info() };
      case ConsoleOp.setIdentity: return this.setIdentity(args);
      case ConsoleOp.getSettings: return this.getSettings(args);
      case ConsoleOp.setSettings: return this.setSettings(args);
      case ConsoleOp.selfTest: return { status: ConsoleStatus.ok, result: this.selfTest() };
      case ConsoleOp.reboot: return { status: ConsoleStatus.ok, result: "rebooting" };
      default: return { status: ConsoleStatus.unknownOp, result: `unknown op ${request.op}` };
    }
  }

  /** args {test: name}: the answer {pass, found} comes when the role's test is over. */
  private roleTest(args: unknown, answer: (outcome: Result) => void): void {
    const name = args instanceof Map ? args.get("test") : undefined;
    if (typeof name !== "string") answer({ status: ConsoleStatus.badRequest, result: "args: {test: the name of a test the role declares}" });
    else if (!this.device) answer({ status: ConsoleStatus.refused, result: "the unit is not provisioned: no role runs" });
    else {
      this.device.runTest(name, ({ pass, found }) => answer({ status: ConsoleStatus.ok, result: new Map<string, unknown>([["pass", pass], ["found", found]]) }));
    }
  }

  private info(): Map<string, unknown> {
    const storage = this.platform.storage;
    const identity = loadIdentity(storage);
    const info = new Map<string, unknown>([
      ["provisioned", identity !== undefined],
      ["keyed", loadKey(storage) !== undefined],
      ["firmware", FIRMWARE_VERSION],
      ["counter", loadConsoleCounter(storage)],
      ["uptimeS", Math.floor(this.platform.uptimeMs() / 1000)],
    ]);
    if (identity) {
      info.set("id", identity.deviceId);
      info.set("role", identity.role);
    }
    const boot = storedBoot(storage);
    if (boot !== undefined) info.set("boot", boot);
    return info;
  }

  private setIdentity(args: Map<unknown, unknown>): Result {
    const id = args.get("id");
    const key = args.get("key");
    const role = args.get("role");
    const problem = checkIdentity(id, key, role);
    if (problem) return { status: ConsoleStatus.badRequest, result: problem };
    saveIdentity(this.platform.storage, { deviceId: id, key, role } as Identity);
    return { status: ConsoleStatus.ok, result: new Map([["restart", true]]) };
  }

  private getSettings(args: Map<unknown, unknown>): Result {
    const all = { ...coreDefaults(), ...loadSettings(this.platform.storage), ...this.device?.settings };
    const names = args.get("names");
    const wanted = Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : Object.keys(all);
    const out = new Map<string, SettingValue>();
    for (const name of wanted) if (all[name] !== undefined) out.set(name, all[name]);
    return { status: ConsoleStatus.ok, result: out };
  }

  /**
   * args: {settings: {name: value | null}}; null removes a setting (back to its default). Each
   * setting is checked and applied on its own; the result says, per name, "applied", "restart"
   * (stored, takes effect at the next boot) or why it was refused.
   */
  private setSettings(args: Map<unknown, unknown>): Result {
    const changes = args.get("settings");
    if (!(changes instanceof Map) || changes.size === 0) return { status: ConsoleStatus.badRequest, result: "settings: a non-empty map" };
    const stored = loadSettings(this.platform.storage);
    const outcome = new Map<string, string>();
    let refused = false;
    for (const [name, value] of changes) {
      const verdict = this.change(stored, name, value);
      if (typeof name === "string") outcome.set(name, verdict);
      if (verdict !== "applied" && verdict !== "restart") refused = true;
    }
    try {
      encodeSettings(stored);
    } catch (err) {
      return { status: ConsoleStatus.refused, result: err instanceof Error ? err.message : String(err) };
    }
    saveSettings(this.platform.storage, stored);
    return { status: refused ? ConsoleStatus.refused : ConsoleStatus.ok, result: outcome };
  }

  /** Checks one change and records it in `stored`; returns the per-name outcome. */
  private change(stored: Record<string, SettingValue>, name: unknown, value: unknown): string {
    if (typeof name !== "string" || !SETTING_NAME.test(name)) return "refused: bad name";
    if (value === null) {
      delete stored[name];
      return "restart";
    }
    if (!isSettingValue(value)) return "refused: values are numbers, strings or booleans";
    if (isCoreSetting(name)) {
      const problem = checkCoreSetting(name, value);
      if (problem) return `refused: ${problem}`;
    }
    const applied = this.device ? this.device.applySetting(name, value) : isCoreSetting(name) && !needsRestart(name) ? "applied" : "restart";
    if (applied === "refused") return "refused: the role does not accept this value";
    stored[name] = value;
    return applied;
  }

  private selfTest(): Map<string, unknown> {
    const platform = this.platform;
    const result = new Map<string, unknown>([
      ["batteryMv", Math.round(platform.batteryMv())],
      ["heapUsed", platform.heapUsed()],
      ["storage", this.storageWorks()],
      ["radio", platform.radio !== undefined],
      ["uptimeS", Math.floor(platform.uptimeMs() / 1000)],
    ]);
    const device = this.device;
    if (device) {
      result.set("queueDepth", device.queue.length);
      result.set("faults", device.faults());
      result.set("clockSynced", device.clock.synced);
      result.set("link", device.link.kind);
      result.set("statusFrameBytes", device.statusFrameBytes());
      result.set("statusFits", device.statusFrameBytes() <= MAX_AIR_FRAME);
      result.set("role", device.roleError === undefined ? "running" : `failed: ${device.roleError}`);
    }
    return result;
  }

  private storageWorks(): boolean {
    const storage = this.platform.storage;
    const probe = (Math.floor(this.platform.uptimeMs()) % 1000) + 1;
    try {
      storage.set("probe", probe);
      const ok = storage.get("probe") === probe;
      storage.delete("probe");
      return ok && storage.get("probe") === undefined;
    } catch {
      return false;
    }
  }

  private reply(response: { op: number; counter: number; status: number; result: unknown }, key: Uint8Array | undefined): void {
    this.host.send(encodeConsoleResponse(response, key));
  }
}
