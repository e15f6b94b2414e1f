// The core every role runs on. It implements the role's context: each report becomes an
// envelope (device id, boot, seq, time, MIC) queued for the gateway; acks from the gateway settle
// queued frames and set the clock; commands from the gateway go to commands.ts and are answered
// with a commandResult uplink; status frames go out at boot and every `statusS` seconds.

import { decode, encode } from "../../shared/cbor.js";
import {
  computeMic, encodeFrame, MIC_BYTES, openEnvelope, parseEnvelope, splitFrame, micMatches, type AnyEnvelope,
} from "../../shared/envelope.js";
import { ProtocolError } from "../../shared/errors.js";
import { AckResult, Fault, MAX_AIR_FRAME, type BodyByType, type MessageTypeName, type StatusBody } from "../../shared/messages.js";
import { isAlarmType, RoleCode } from "../../shared/roles/catalog.js";
import type { Platform, TimerHandle } from "../platform/platform.js";
import type { Role, RoleContext, RoleTestResult, Settings } from "../roles/role.js";
import { DeviceClock } from "./clock.js";
import { Commands, unknownCommandKey } from "./commands.js";
import { FrameCounter, type FrameNumber } from "./counters.js";
import type { HostPort } from "./host-port.js";
import type { Identity } from "./identity.js";
import type { RadioMeta, UplinkLink } from "./link.js";
import { checkCoreSetting, isCoreSetting, needsRestart, numberSetting, type SettingValue } from "./settings.js";
import { Uplink } from "./uplink.js";
import { UplinkQueue } from "./uplink-queue.js";
import { FIRMWARE_VERSION } from "./version.js";

/** What the core offers beyond the role contract: the shared host port (a relaying role uses it). */
export interface CoreContext extends RoleContext {
  readonly host: HostPort;
}

export type CoreRoleFactory = (ctx: CoreContext) => Role;

export interface DeviceOptions {
  platform: Platform;
  identity: Identity;
  settings: Settings;
  /** this boot's number, already raised and persisted */
  boot: number;
  host: HostPort;
  link: UplinkLink;
}

/** Outcome of changing a setting at run time. */
export type ApplyResult = "applied" | "restart" | "refused";

/** Slab bytes per queue slot: frames are 24-51 bytes, so slots run out first only for tiny ones. */
export const MIN_FRAME_BYTES = 32;
/** A reboot command waits this long at most for its answer to be acked before restarting. */
export const REBOOT_WAIT_MS = 120_000;
const REBOOT_POLL_MS = 250;

export class Device implements CoreContext {
  readonly platform: Platform;
  readonly host: HostPort;
  readonly identity: Identity;
  readonly clock: DeviceClock;
  readonly counter: FrameCounter;
  readonly uplink: Uplink;
  readonly link: UplinkLink;
  private currentSettings: Record<string, SettingValue>;
  private role: Role | undefined;
  private statusTimer: TimerHandle | undefined;
  private roleFaults = 0;
  private lastRadio: RadioMeta | undefined;
  private lastAnswer: FrameNumber | undefined;
  private rebootTimer: TimerHandle | undefined;
  readonly commands: Commands;
  /** why the role failed to start (e.g. a pin this board lacks), for the self-test */
  roleError: string | undefined;
  readonly stats = {
    reports: 0, badReports: 0, oversize: 0, acks: 0, staleAcks: 0, rejectedByGateway: 0,
    downlinkErrors: 0, notForUs: 0, unsupportedDownlinks: 0,
  };

  constructor(options: DeviceOptions) {
    this.platform = options.platform;
    this.host = options.host;
    this.identity = options.identity;
    this.link = options.link;
    this.currentSettings = { ...options.settings };
    this.clock = new DeviceClock(options.platform);
    this.counter = new FrameCounter(options.platform.storage, options.boot);
    const queueBytes = numberSetting(this.currentSettings, "queueBytes");
    this.uplink = new Uplink(options.platform, new UplinkQueue(queueBytes, Math.floor(queueBytes / MIN_FRAME_BYTES)), options.link, {
      retryMs: numberSetting(this.currentSettings, "retryMs"),
      retryMaxMs: numberSetting(this.currentSettings, "retryMaxS") * 1000,
      seed: (options.identity.deviceId << 16) ^ options.boot ^ 0x9e3779b9,
    });
    this.commands = new Commands(options.platform.storage, {
      applySetting: (name, value) => this.applySetting(name, value) === "applied",
      settingValue: (name) => this.currentSettings[name],
      setClock: (timeS) => this.setClock(timeS),
      sendStatus: () => this.sendStatus(),
      reboot: () => this.rebootWhenAnswered(),
      answer: (body) => {
        this.lastAnswer = this.enqueue("commandResult", body);
      },
    });
    options.link.onDownlink((frame, radio) => this.handleDownlink(frame, radio));
  }

  get settings(): Settings {
    return this.currentSettings;
  }

  get queue(): UplinkQueue {
    return this.uplink.queue;
  }

  /** Announces the boot with a status frame, then starts the role and the status timer. */
  start(factory: CoreRoleFactory | undefined): void {
    this.sendStatus();
    this.scheduleStatus();
    if (!factory) {
      this.roleError = `no firmware for role ${this.identity.role}`;
      return;
    }
    // A role that cannot start (wrong board, bad settings) leaves the unit reachable: status
    // frames and the console keep running, and the self-test says what went wrong.
    try {
      this.role = factory(this);
      this.role.start();
    } catch (err) {
      this.role = undefined;
      this.roleError = err instanceof Error ? err.message : String(err);
      this.platform.trace(`role ${this.identity.role} failed to start: ${this.roleError}`);
    }
  }

  stop(): void {
    this.role?.stop();
    this.role = undefined;
    if (this.statusTimer) this.platform.clearTimer(this.statusTimer);
    this.statusTimer = undefined;
    if (this.rebootTimer) this.platform.clearTimer(this.rebootTimer);
    this.rebootTimer = undefined;
    this.uplink.stop();
  }

  // --- RoleContext ---

  send<T extends MessageTypeName>(type: T, body: BodyByType[T]): void {
    this.enqueue(type, body);
  }

  /** Queues a frame; returns its number, or undefined when it could not be encoded. */
  private enqueue<T extends MessageTypeName>(type: T, body: BodyByType[T]): FrameNumber | undefined {
    const { boot, seq } = this.counter.next();
    const unsynced = !this.clock.synced;
    const envelope = { type, deviceId: this.identity.deviceId, boot, seq, timeS: this.clock.nowS(), body } as AnyEnvelope;
    let frame: Uint8Array;
    try {
      frame = encodeFrame(envelope, this.identity.key);
    } catch (err) {
      // A role handing over an absurd value must not take the unit down: count it, say why.
      this.stats.badReports++;
      this.platform.trace(`dropped ${type}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    if (frame.length > MAX_AIR_FRAME) this.stats.oversize++;
    this.stats.reports++;
    this.uplink.enqueue(frame, { boot, seq, alarm: isAlarmType(type), unsynced });
    return { boot, seq };
  }

  nowS(): number {
    return this.clock.nowS();
  }

  setFaults(bits: number): void {
    this.roleFaults = bits & 0xff;
  }

  // --- status ---

  statusBody(): StatusBody {
    const body: StatusBody = {
      role: RoleCode[this.identity.role] as number,
      batteryMv: clamp(Math.round(this.platform.batteryMv()), 0, 60000),
      uptimeS: clamp(Math.floor(this.platform.uptimeMs() / 1000), 0, 0xffffffff),
      firmware: FIRMWARE_VERSION,
      queueDepth: clamp(this.queue.length, 0, 0xffff),
    };
    if (this.link.kind === "lora" && this.lastRadio) {
      body.rssiDbm = clamp(this.lastRadio.rssiDbm, -200, 20);
      body.snrDb10 = clamp(this.lastRadio.snrDb10, -300, 300);
    }
    const faults = this.faults();
    if (faults !== 0) body.faults = faults;
    return body;
  }

  faults(): number {
    // 0 mV means the board does not measure its supply (mains-powered units).
    const mv = this.platform.batteryMv();
    const low = mv > 0 && mv < numberSetting(this.currentSettings, "lowBattMv") ? Fault.lowBattery : 0;
    return (this.roleFaults | low) & 0xff;
  }

  /** Size of the status frame this unit would send now (for the self-test). */
  statusFrameBytes(): number {
    const { boot } = this.counter;
    const envelope = { type: "status" as const, deviceId: this.identity.deviceId, boot, seq: this.counter.peekSeq() & 0xffff, timeS: this.clock.nowS(), body: this.statusBody() };
    return encodeFrame(envelope, this.identity.key).length;
  }

  sendStatus(): void {
    this.send("status", this.statusBody());
  }

  private scheduleStatus(): void {
    if (this.statusTimer) this.platform.clearTimer(this.statusTimer);
    const periodMs = numberSetting(this.currentSettings, "statusS") * 1000;
    this.statusTimer = this.platform.setTimer(() => this.sendStatus(), periodMs, periodMs);
  }

  // --- downlinks ---

  /** An envelope frame from the gateway: only authentic acks for queued frames and authentic commands are believed. */
  handleDownlink(frame: Uint8Array, radio?: RadioMeta): void {
    let envelope: AnyEnvelope;
    let unknownKey: number | undefined;
    try {
      const split = splitFrame(frame);
      const raw = parseEnvelope(decode(split.signed));
      if (raw.deviceId !== this.identity.deviceId) {
        this.stats.notForUs++;
        return;
      }
      if (!micMatches(this.identity.key, split)) throw new ProtocolError("mic", "downlink MIC does not match");
      envelope = openEnvelope(raw);
      if (envelope.type === "command") unknownKey = unknownCommandKey(raw.wireBody);
    } catch (err) {
      this.stats.downlinkErrors++;
      this.platform.trace(`downlink refused: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (envelope.type === "command") {
      if (radio) this.lastRadio = radio;
      this.commands.handle(envelope.timeS, envelope.body, unknownKey);
      return;
    }
    if (envelope.type !== "ack") {
      this.stats.unsupportedDownlinks++;
      return;
    }
    const ack = envelope.body;
    // A replayed or late ack matches nothing queued: it neither settles a frame nor moves the clock.
    if (!this.uplink.ack(ack.boot, ack.seq)) {
      this.stats.staleAcks++;
      return;
    }
    this.stats.acks++;
    if (ack.result === AckResult.rejected) this.stats.rejectedByGateway++;
    if (radio) this.lastRadio = radio;
    this.setClock(ack.timeS);
  }

  private setClock(timeS: number): void {
    const firstSync = !this.clock.synced;
    this.clock.set(timeS);
    if (firstSync) this.queue.restampUnsynced((old) => this.restamp(old));
  }

  /** Restarts once the command's answer is acked (or after REBOOT_WAIT_MS): the gateway learns it was applied. */
  private rebootWhenAnswered(): void {
    const answer = this.lastAnswer;
    const deadline = this.platform.uptimeMs() + REBOOT_WAIT_MS;
    if (this.rebootTimer) this.platform.clearTimer(this.rebootTimer);
    this.rebootTimer = this.platform.setTimer(() => {
      const pending = answer !== undefined && this.queue.indexOf(answer.boot, answer.seq) >= 0;
      if (pending && this.platform.uptimeMs() < deadline) return;
      if (this.rebootTimer) this.platform.clearTimer(this.rebootTimer);
      this.rebootTimer = undefined;
      this.platform.restart();
    }, REBOOT_POLL_MS, REBOOT_POLL_MS);
  }

  /** Re-signs a frame stamped in seconds since boot with the wall time of that instant. */
  private restamp(frame: Uint8Array): Uint8Array {
    const fields = decode(frame.subarray(0, frame.length - MIC_BYTES)) as unknown[];
    fields[5] = this.clock.wallFromUptime(fields[5] as number);
    const signed = encode(fields);
    const out = new Uint8Array(signed.length + MIC_BYTES);
    out.set(signed, 0);
    out.set(computeMic(this.identity.key, signed), signed.length);
    return out;
  }

  // --- run-time settings (the console) ---

  /** Applies a provisioned change now when possible; the caller persists accepted values. */
  /** Runs a test the role declares; answers once through done. */
  runTest(name: string, done: (result: RoleTestResult) => void): void {
    if (this.role?.runTest) this.role.runTest(name, done);
    else done({ pass: false, found: this.roleError ?? `role ${this.identity.role} has no tests` });
  }

  applySetting(name: string, value: SettingValue): ApplyResult {
    if (isCoreSetting(name)) {
      if (checkCoreSetting(name, value) !== undefined) return "refused";
      this.currentSettings[name] = value;
      if (name === "statusS") this.scheduleStatus();
      return needsRestart(name) ? "restart" : "applied";
    }
    if (!this.role?.applySetting) return "restart";
    if (!this.role.applySetting(name, value)) return "refused";
    this.currentSettings[name] = value;
    return "applied";
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
