import { SerialPort } from "serialport";
import type { Gateway } from "../../gateway/gateway.js";
import { startSimDevice, type SimDevice, type SimDeviceOptions } from "../../firmware/sim/run-device.js";
import { MemoryStorage, SimPlatform } from "../../firmware/sim/sim-platform.js";
import { SlipDecoder } from "../../shared/slip.js";
import { MAX_FRAME } from "../../shared/envelope.js";
import type { Received } from "../support/mqtt.js";

/** A simulated unit (real core and role) on the device end of a socat PTY, its clock following real time. */
export interface PtyUnit {
  unit: SimDevice;
  /** envelope frames the gateway sent the unit, in order */
  downlinks: Uint8Array[];
  stop(): Promise<void>;
}

export async function runUnitOnPty(path: string, options: Omit<SimDeviceOptions, "onHostWrite" | "link" | "platform">, speed = 1): Promise<PtyUnit> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const platform = new SimPlatform(new MemoryStorage());
  const downlinks: Uint8Array[] = [];
  const record = new SlipDecoder((frame) => {
    if (frame[0] === 0x87) downlinks.push(frame.slice());
  }, () => undefined, MAX_FRAME);
  const unit = startSimDevice({ ...options, platform, link: "serial", onHostWrite: (bytes) => port.write(Buffer.from(bytes)) });
  port.on("data", (chunk: Buffer) => {
    record.push(chunk);
    unit.host.deliver(new Uint8Array(chunk));
  });
  let last = Date.now();
  const clock = setInterval(() => {
    const now = Date.now();
    platform.advance((now - last) * speed);
    last = now;
  }, 10);
  return {
    unit,
    downlinks,
    stop: async () => {
      clearInterval(clock);
      unit.stop();
      if (port.isOpen) await new Promise((resolve) => port.close(resolve));
    },
  };
}

/** The command/result messages for a device, in arrival order. */
export function resultsFor(messages: Received[], site: string, deviceId: number | string): Record<string, unknown>[] {
  return messages.filter((m) => m.topic === `pantau/v1/${site}/${deviceId}/command/result`).map((m) => m.payload);
}

export const mqttUrl = (gateway: Gateway): string => `mqtt://127.0.0.1:${gateway.broker.port}`;
