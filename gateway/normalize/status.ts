import type { Envelope } from "../../shared/envelope.js";
import type { Device } from "../registry/registry.js";
import { gatewayRole } from "../roles/index.js";
import { commonFields, round, type Normalized } from "./common.js";

export function firmwareString(code: number): string {
  return `${Math.floor(code / 10000)}.${Math.floor(code / 100) % 100}.${code % 100}`;
}

/** The Device model's `deviceState`, from what the gateway knows: heard lately, and any fault bits. */
export function deviceState(online: boolean, faults: number): "ok" | "fault" | "offline" {
  if (!online) return "offline";
  return faults ? "fault" : "ok";
}

/**
 * Device health as a FIWARE Device, the unit's one entity; published retained so a dashboard
 * sees the last state at once. The gateway's health view is added on the way out
 * (gateway/health/health-reporter.ts).
 */
export function normalizeStatus(env: Envelope<"status">, device: Device, receivedAt: Date): Normalized {
  const b = env.body;
  const fiware = gatewayRole(device.role)?.fiware;
  const faults = b.faults ?? 0;
  const payload: Record<string, unknown> = {
    ...commonFields(env, device, receivedAt, "Device"),
    controlledProperty: fiware?.controlledProperty ?? [],
    ...(fiware ? { deviceCategory: fiware.deviceCategory } : {}),
    role: device.role,
    online: true,
    deviceState: deviceState(true, faults),
    dateLastValueReported: receivedAt.toISOString(),
    batteryVoltage: round(b.batteryMv / 1000, 3),
    uptime: b.uptimeS,
    firmwareVersion: firmwareString(b.firmware),
    queueDepth: b.queueDepth,
    faults,
  };
  if (b.rssiDbm !== undefined) payload.rssi = b.rssiDbm;
  if (b.snrDb10 !== undefined) payload.snr = round(b.snrDb10 / 10, 1);
  return { kind: "status", payload };
}
