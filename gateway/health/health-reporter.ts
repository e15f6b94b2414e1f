import type { Logger } from "../log.js";
import { alertFields, entityFields } from "../normalize/common.js";
import type { Normalized } from "../normalize/index.js";
import { deviceState } from "../normalize/status.js";
import type { Outlet } from "../publish/outlet.js";
import type { Registry } from "../registry/registry.js";
import { gatewayRole } from "../roles/index.js";
import type { Service } from "../service.js";
import { healthAlarm, type HealthAlarm } from "./alarms.js";
import type { DeviceHealth, HealthSnapshot } from "./device-health.js";

/** The health fields the retained status message carries; `faults` is the unit's own report. */
export function statusHealthFields(s: HealthSnapshot, faults: number): Record<string, unknown> {
  return {
    online: s.online,
    deviceState: deviceState(s.online, faults),
    ...(s.lastSeen !== null ? { dateLastValueReported: s.lastSeen } : {}),
    expectedInterval: s.expectedInterval,
    framesReceived: s.framesReceived,
    framesRejected: s.framesRejected,
    lostFrames: s.lostFrames,
    reboots: s.reboots,
    batteryLow: s.batteryLow,
    linkDegraded: s.linkDegraded,
    ...(s.rssi !== null ? { uplinkRssi: s.rssi } : {}),
    ...(s.snr !== null ? { uplinkSnr: s.snr } : {}),
    ...(s.heardBy.length ? { heardBy: s.heardBy } : {}),
  };
}

/** Alarms of one kind in one tick logged unit by unit up to this many; more are counted in one line. */
const LOGGED_ONE_BY_ONE = 10;

/**
 * Turns health transitions into what the situation room sees: an `alarm` (live and upstream) and
 * a fresh retained `status`, so a silent unit shows as offline without waiting for it to speak.
 */
export class HealthReporter implements Service {
  readonly name = "health reporter";
  private readonly lastStatus = new Map<number, Record<string, unknown>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly health: DeviceHealth,
    private readonly outlet: Pick<Outlet, "emit">,
    private readonly log: Logger,
    private readonly tickMs = 5_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.log.error({ err: (err as Error).message }, "health tick failed"));
    }, this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Adds health to a status message on its way out, and remembers it for later republishing. */
  decorateStatus(deviceId: number, message: Normalized): void {
    const snapshot = this.health.snapshot(deviceId);
    if (snapshot) Object.assign(message.payload, statusHealthFields(snapshot, Number(message.payload.faults ?? 0)));
    this.lastStatus.set(deviceId, message.payload);
  }

  /** Emits every transition's alarm and status at once (not one after another), so they are stored in one transaction. */
  async tick(now = Date.now()): Promise<void> {
    const emitted: Promise<void>[] = [];
    const logged = new Map<string, Array<{ deviceId: number; alarm: HealthAlarm }>>();
    for (const t of this.health.tick(now)) {
      const device = this.registry.get(t.deviceId);
      if (!device) continue;
      const alarm = healthAlarm(t, device.role);
      const at = new Date(t.at);
      const messageId = `urn:ngsi-ld:Alert:${device.site}:${device.id}:${alarm.alarmType}:${t.at}`;
      const category = gatewayRole(device.role)?.fiware.alertCategory ?? "environment";
      const payload: Record<string, unknown> = {
        ...entityFields(device, "Alert", [alarm.alarmType], { at, timeSource: "gateway", receivedAt: at, messageId }),
        ...alertFields({ category, severity: alarm.severity, cleared: alarm.severity === "informational" }, at),
        ...alarm,
      };
      const kind = `${alarm.alarmType}:${alarm.severity}`;
      (logged.get(kind) ?? logged.set(kind, []).get(kind)!).push({ deviceId: device.id, alarm });
      emitted.push(this.emit(device.site, device.id, { kind: "alarm", payload }));
      const last = this.lastStatus.get(device.id);
      const snapshot = this.health.snapshot(device.id);
      if (last && snapshot) {
        // a new message about the unit: a new id for exactly-once, the same entity
        Object.assign(last, statusHealthFields(snapshot, Number(last.faults ?? 0)), { messageId: `urn:ngsi-ld:Device:${device.site}:${device.id}:health:${t.at}` });
        emitted.push(this.emit(device.site, device.id, { kind: "status", payload: last }));
      }
    }
    for (const group of logged.values()) this.logAlarms(group);
    await Promise.all(emitted);
  }

  /** One line per unit, or for many units crossing together (a fleet not heard yet, a site's power cut) one line that counts them. */
  private logAlarms(group: Array<{ deviceId: number; alarm: HealthAlarm }>): void {
    if (group.length <= LOGGED_ONE_BY_ONE) {
      for (const { deviceId, alarm } of group) this.log.warn({ deviceId, alarmType: alarm.alarmType, severity: alarm.severity }, alarm.description);
      return;
    }
    const { alarmType, severity } = group[0]!.alarm;
    const first = group.slice(0, LOGGED_ONE_BY_ONE).map((g) => g.deviceId);
    this.log.warn({ alarmType, severity, units: group.length, first }, `${alarmType} (${severity}) for ${group.length} units at once, first ${first.join(", ")}`);
  }

  private emit(site: string, deviceId: number, message: Normalized): Promise<void> {
    return this.outlet.emit({ site, device: deviceId, kind: message.kind, payload: message.payload, createdAt: Date.now() });
  }
}
