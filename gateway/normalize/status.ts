import type { Envelope } from "../../shared/envelope.js";
import type { Device } from "../registry/registry.js";
import { commonFields, round, type Normalized } from "./common.js";

export function firmwareString(code: number): string {
  return `${Math.floor(code / 10000)}.${Math.floor(code / 100) % 100}.${code % 100}`;
}

/** Device health, published retained so a dashboard sees the last state at once. */
export function normalizeStatus(env: Envelope<"status">, device: Device, receivedAt: Date): Normalized {
  const b = env.body;
  const payload: Record<string, unknown> = {
    ...commonFields(env, device, receivedAt, "DeviceStatus"),
    role: device.role,
    online: true,
    lastSeen: receivedAt.toISOString(),
    batteryVoltage: round(b.batteryMv / 1000, 3),
    uptime: b.uptimeS,
    firmwareVersion: firmwareString(b.firmware),
    queueDepth: b.queueDepth,
    faults: b.faults ?? 0,
  };
  if (b.rssiDbm !== undefined) payload.rssi = b.rssiDbm;
  if (b.snrDb10 !== undefined) payload.snr = round(b.snrDb10 / 10, 1);
  return { kind: "status", payload };
}
