import type { RoleName } from "../../shared/messages.js";
import { allRoles } from "../../shared/roles/catalog.js";
import type { BatteryPolicy } from "../../shared/roles/descriptor.js";
import { HeardBy, type HeardVia } from "./heard-by.js";

export type { BatteryPolicy } from "../../shared/roles/descriptor.js";

export interface LinkPolicy {
  /** degraded when the mean RSSI of the last `window` frames is below this */
  rssiLowDbm: number;
  /** degraded when the mean SNR of the last `window` frames is below this */
  snrLowDb: number;
  /** both means must climb this far above their limits before the link counts as healthy again */
  hysteresisDb: number;
  window: number;
}

export interface HealthPolicy {
  /** a device is offline once this many expected intervals pass without a frame */
  offlineAfterIntervals: number;
  /** expected reporting interval per role when the registry entry has no reportIntervalS */
  defaultIntervalS: Record<RoleName, number>;
  /** null: the role runs on mains or USB and has no battery to watch */
  battery: Record<RoleName, BatteryPolicy | null>;
  link: LinkPolicy;
}

const DEFAULT_LINK: LinkPolicy = { rssiLowDbm: -120, snrLowDb: -15, hysteresisDb: 3, window: 5 };
const OFFLINE_AFTER_INTERVALS = 2.5;

/** The policy with every role's own defaults (its descriptor's health section). */
export function defaultHealthPolicy(): HealthPolicy {
  const roles = allRoles();
  return {
    offlineAfterIntervals: OFFLINE_AFTER_INTERVALS,
    defaultIntervalS: Object.fromEntries(roles.map((r) => [r.name, r.health.intervalS])),
    battery: Object.fromEntries(roles.map((r) => [r.name, r.health.battery])),
    link: { ...DEFAULT_LINK },
  };
}

/** What health needs from a registry entry. */
export interface HealthDevice {
  id: number;
  role: RoleName;
  reportIntervalS?: number;
}

/** One accepted (fresh) frame; replays and rejected frames go to `rejected()` instead. */
export interface Observation {
  boot: number;
  seq: number;
  type: string;
  receivedAt: Date | number;
  batteryMv?: number;
  rssiDbm?: number;
  snrDb10?: number;
  queueDepth?: number;
  /** the link the frame arrived on, and whether a bridge relayed it from the air (its radio figures are then rssiDbm/snrDb10) */
  link?: string;
  relayed?: boolean;
}

interface TransitionBase {
  deviceId: number;
  /** epoch ms of the tick or frame that caused it */
  at: number;
}

export type HealthTransition =
  | (TransitionBase & { kind: "offline"; lastSeen: number | null; expectedIntervalS: number })
  /** `silentForS`: since the last frame before the silence (or the gateway's start) */
  | (TransitionBase & { kind: "online"; silentForS: number })
  | (TransitionBase & { kind: "battery-low" | "battery-ok"; batteryVoltage: number; thresholdV: number })
  | (TransitionBase & { kind: "link-degraded" | "link-ok"; rssi: number | null; snr: number | null });

/** Whether a unit is heard as often as it should be. */
export type Presence = "unknown" | "online" | "offline";

/** The device's health as the retained status message and the HTTP API show it. */
export interface HealthSnapshot {
  deviceId: number;
  role: RoleName;
  state: Presence;
  online: boolean;
  lastSeen: string | null;
  expectedInterval: number;
  framesReceived: number;
  framesRejected: number;
  framesByType: Record<string, number>;
  lostFrames: number;
  reboots: number;
  boot: number | null;
  seq: number | null;
  batteryVoltage: number | null;
  batteryLow: boolean;
  rssi: number | null;
  snr: number | null;
  linkDegraded: boolean;
  queueDepth: number | null;
  /** the bridges that relayed its frames lately */
  heardBy: HeardVia[];
}

/** Boots remembered per device, so frames resent from before a reboot still fill their gaps. */
const BOOTS_KEPT = 4;

interface Tracked {
  device: HealthDevice;
  intervalS: number;
  state: Presence;
  lastSeen: number | null;
  received: number;
  rejected: number;
  /**
   * Frames per message type. This and the other collections are made at the unit's first use of
   * them, so a fleet registered but not heard yet costs little; and they are a plain object and a
   * flat array, not Maps, at some 60 bytes each rather than 180 (65,535 units heard: 16 MiB less).
   */
  byType: Record<string, number> | undefined;
  /** the boots remembered, oldest first, each followed by the highest seq seen in it: [boot, seq, boot, seq, …] */
  boots: number[] | undefined;
  lost: number;
  reboots: number;
  batteryV: number | null;
  batteryLow: boolean;
  rssi: number[] | undefined;
  snr: number[] | undefined;
  linkDegraded: boolean;
  queueDepth: number | null;
}

/** The gateway config's `health` section: any part of the policy, the rest from the defaults. */
export interface HealthPolicyOverrides {
  offlineAfterIntervals?: number;
  defaultIntervalS?: Partial<Record<RoleName, number>>;
  battery?: Partial<Record<RoleName, BatteryPolicy | null>>;
  link?: Partial<LinkPolicy>;
}

export interface DeviceHealthOptions {
  policy?: HealthPolicyOverrides;
  /** epoch ms the gateway started: a device never heard goes offline 2.5 intervals after it */
  startedAt?: number;
}

const ms = (t: Date | number): number => (typeof t === "number" ? t : t.getTime());
const round1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
const mean = (xs: number[] | undefined): number | null => (xs?.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * Per-device health from the frames the gateway accepts. Pure bookkeeping: the caller supplies the
 * clock. Threshold crossings are queued with hysteresis (each fires once per crossing) and handed
 * out, with the offline checks, by `tick()`.
 */
export class DeviceHealth {
  readonly policy: HealthPolicy;
  /** the units registered, in the registry's order, and by id */
  private readonly fleet: HealthDevice[];
  private readonly byId: HealthDevice[] = [];
  /**
   * Each unit's bookkeeping, made when the unit first needs it (a frame, a command, going
   * offline), not at start: 65,535 units cost some 50-100 ms of CPU otherwise before the gateway
   * is ready. A unit without one is as `track` starts it.
   */
  private readonly devices = new Map<number, Tracked>();
  private pending: HealthTransition[] = [];
  private readonly startedAt: number;
  private readonly heard = new HeardBy();

  constructor(devices: Iterable<HealthDevice>, opts: DeviceHealthOptions = {}) {
    const p = opts.policy ?? {};
    const defaults = defaultHealthPolicy();
    this.policy = {
      offlineAfterIntervals: p.offlineAfterIntervals ?? defaults.offlineAfterIntervals,
      defaultIntervalS: { ...defaults.defaultIntervalS, ...definedOnly(p.defaultIntervalS) },
      battery: { ...defaults.battery, ...definedOnly(p.battery) },
      link: { ...defaults.link, ...p.link },
    };
    this.startedAt = opts.startedAt ?? Date.now();
    this.fleet = [...devices];
    for (const device of this.fleet) this.byId[device.id] = device;
  }

  /** An accepted frame; frames from unregistered devices are ignored. */
  observe(deviceId: number, obs: Observation): void {
    const t = this.tracked(deviceId);
    if (!t) return;
    const at = ms(obs.receivedAt);
    t.received++;
    const byType = (t.byType ??= {});
    byType[obs.type] = (byType[obs.type] ?? 0) + 1;
    if (t.state === "offline") {
      this.pending.push({ kind: "online", deviceId, at, silentForS: Math.round((at - (t.lastSeen ?? this.startedAt)) / 1000) });
    }
    t.lastSeen = Math.max(t.lastSeen ?? at, at);
    t.state = "online";
    this.sequence(t, obs.boot, obs.seq);
    if (obs.queueDepth !== undefined) t.queueDepth = obs.queueDepth;
    // 0 mV is what a unit without a battery gauge reports
    if (obs.batteryMv !== undefined && obs.batteryMv > 0) this.battery(t, obs.batteryMv / 1000, at);
    if (obs.rssiDbm !== undefined || obs.snrDb10 !== undefined) this.link(t, obs.rssiDbm, obs.snrDb10, at);
    if (obs.link !== undefined) {
      this.heard.note(deviceId, obs.link, at, obs.relayed ? { rssiDbm: obs.rssiDbm ?? 0, snrDb10: obs.snrDb10 ?? 0 } : undefined);
    }
  }

  /** A frame from this device that failed verification (bad MIC, replay, out of range). */
  rejected(deviceId: number): void {
    const t = this.tracked(deviceId);
    if (t) t.rejected++;
  }

  /** The reporting interval changed (a command was applied); offline timing follows it at once. */
  setExpectedInterval(deviceId: number, seconds: number): void {
    const t = this.tracked(deviceId);
    if (t) t.intervalS = seconds;
  }

  /** Checks for silent devices and hands out every transition since the last tick, oldest first. */
  tick(now: Date | number): HealthTransition[] {
    const at = ms(now);
    for (const device of this.fleet) {
      const t = this.devices.get(device.id);
      if (t?.state === "offline") continue;
      const lastSeen = t ? t.lastSeen : null;
      const intervalS = t ? t.intervalS : this.intervalOf(device);
      if (at - (lastSeen ?? this.startedAt) > this.policy.offlineAfterIntervals * intervalS * 1000) {
        this.tracked(device.id)!.state = "offline";
        this.pending.push({ kind: "offline", deviceId: device.id, at, lastSeen, expectedIntervalS: intervalS });
      }
    }
    const out = this.pending;
    this.pending = [];
    return out;
  }

  snapshot(deviceId: number): HealthSnapshot | undefined {
    const device = this.byId[deviceId];
    if (!device) return undefined;
    const t = this.devices.get(deviceId) ?? this.track(device);
    const rssi = mean(t.rssi);
    const snr = mean(t.snr);
    const boot = newestBoot(t);
    return {
      deviceId,
      role: t.device.role,
      state: t.state,
      online: t.state === "online",
      lastSeen: t.lastSeen === null ? null : new Date(t.lastSeen).toISOString(),
      expectedInterval: t.intervalS,
      framesReceived: t.received,
      framesRejected: t.rejected,
      framesByType: { ...t.byType },
      lostFrames: t.lost,
      reboots: t.reboots,
      boot,
      seq: boot === null ? null : t.boots!.at(-1)!,
      batteryVoltage: t.batteryV,
      batteryLow: t.batteryLow,
      rssi: round1(rssi),
      snr: round1(snr),
      linkDegraded: t.linkDegraded,
      queueDepth: t.queueDepth,
      heardBy: this.heard.of(deviceId),
    };
  }

  snapshots(): HealthSnapshot[] {
    return this.fleet.map((device) => this.snapshot(device.id)!);
  }

  /** The unit's bookkeeping, made now if it has none; undefined for a unit not registered. */
  private tracked(deviceId: number): Tracked | undefined {
    const t = this.devices.get(deviceId);
    if (t) return t;
    const device = this.byId[deviceId];
    if (!device) return undefined;
    const made = this.track(device);
    this.devices.set(deviceId, made);
    return made;
  }

  private intervalOf(device: HealthDevice): number {
    // the registry admits registered roles only, and each has a default
    return device.reportIntervalS ?? (this.policy.defaultIntervalS[device.role] as number);
  }

  private track(device: HealthDevice): Tracked {
    return {
      device,
      intervalS: this.intervalOf(device),
      state: "unknown",
      lastSeen: null,
      received: 0,
      rejected: 0,
      byType: undefined,
      boots: undefined,
      lost: 0,
      reboots: 0,
      batteryV: null,
      batteryLow: false,
      rssi: undefined,
      snr: undefined,
      linkDegraded: false,
      queueDepth: null,
    };
  }

  /**
   * Lost frames from (boot, seq): a jump forward opens a gap, a late frame (a resend after a lost
   * ack) fills one. A new boot starts fresh, since seq restarts and frames of the old boot may
   * still arrive from the device's queue.
   */
  private sequence(t: Tracked, boot: number, seq: number): void {
    const boots = (t.boots ??= []);
    const at = seqOf(boots, boot);
    if (at >= 0) {
      const highest = boots[at]!;
      if (seq > highest) {
        t.lost += seq - highest - 1;
        boots[at] = seq;
      } else {
        t.lost = Math.max(0, t.lost - 1);
      }
      return;
    }
    const newest = newestBoot(t);
    if (newest !== null && boot < newest) return; // older than any boot remembered
    if (newest !== null) t.reboots++;
    // a boot is only ever added above the newest, so the oldest is first
    boots.push(boot, seq);
    if (boots.length > 2 * BOOTS_KEPT) boots.splice(0, 2);
  }

  private battery(t: Tracked, volts: number, at: number): void {
    t.batteryV = volts;
    const limits = this.policy.battery[t.device.role];
    if (!limits) return;
    const crossed = t.batteryLow ? volts >= limits.recoverV : volts < limits.lowV;
    if (!crossed) return;
    t.batteryLow = !t.batteryLow;
    const kind = t.batteryLow ? "battery-low" : "battery-ok";
    this.pending.push({ kind, deviceId: t.device.id, at, batteryVoltage: volts, thresholdV: t.batteryLow ? limits.lowV : limits.recoverV });
  }

  private link(t: Tracked, rssiDbm: number | undefined, snrDb10: number | undefined, at: number): void {
    const { rssiLowDbm, snrLowDb, hysteresisDb, window } = this.policy.link;
    if (rssiDbm !== undefined) push((t.rssi ??= []), rssiDbm, window);
    if (snrDb10 !== undefined) push((t.snr ??= []), snrDb10 / 10, window);
    const rssi = mean(t.rssi);
    const snr = mean(t.snr);
    // once degraded, the link must clear the limits by the hysteresis margin to count as healthy
    const margin = t.linkDegraded ? hysteresisDb : 0;
    const degraded = (rssi !== null && rssi < rssiLowDbm + margin) || (snr !== null && snr < snrLowDb + margin);
    if (degraded === t.linkDegraded) return;
    t.linkDegraded = degraded;
    this.pending.push({ kind: degraded ? "link-degraded" : "link-ok", deviceId: t.device.id, at, rssi: round1(rssi), snr: round1(snr) });
  }
}

function definedOnly<T>(values: Readonly<Record<string, T | undefined>> | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, value] of Object.entries(values ?? {})) if (value !== undefined) out[name] = value;
  return out;
}

function newestBoot(t: Tracked): number | null {
  return t.boots?.length ? t.boots.at(-2)! : null;
}

/** Where the highest seq of `boot` is in a unit's boots, or -1 for a boot not remembered. */
function seqOf(boots: number[], boot: number): number {
  for (let i = 0; i < boots.length; i += 2) if (boots[i] === boot) return i + 1;
  return -1;
}

function push(samples: number[], value: number, window: number): void {
  samples.push(value);
  if (samples.length > window) samples.shift();
}
