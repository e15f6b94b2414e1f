import { randomBytes } from "node:crypto";
import type { SettingValue } from "../../firmware/core/settings.js";
import type { DeviceEntry } from "../registry/registry.js";

/** One simulated unit: its registry entry (key included) and what a technician provisioned. */
export interface DemoUnit {
  entry: DeviceEntry;
  link: "serial" | "lora";
  settings: Record<string, SettingValue>;
  /** supply voltage the simulated board reports, mV */
  batteryMv: number;
}

const key = (): string => randomBytes(16).toString("hex");

/**
 * A small Semarang fleet: a two-lane loop station and a speed sign on Jl. Pemuda, a flood gauge
 * on Kali Semarang on a serial line, and a second gauge on Banjir Kanal Barat heard over LoRa
 * through the bridge at the gateway. Keys are fresh for every run. Intervals are shorter than in
 * the field (20 s traffic records, 60 s reports) so a newcomer sees every kind within a minute;
 * the LoRa gauge keeps a field-like 120 s, which its 1 % duty cycle at SF10 allows.
 */
export function demoFleet(): DemoUnit[] {
  const pemuda = { road: "Jl. Pemuda", direction: "northbound" };
  return [
    {
      entry: {
        id: 2001, role: "loop", key: key(), site: "smg-pemuda-01", name: "Jl. Pemuda loop station", ...pemuda,
        location: { lat: -6.9812, lon: 110.4145 }, lanes: [{ lane: 0, direction: "forward" }, { lane: 1, direction: "forward" }],
        reportIntervalS: 20,
      },
      link: "serial",
      settings: { loops: 4, lanes: "0011", intervalS: 20, statusS: 60 },
      batteryMv: 12700,
    },
    {
      entry: {
        id: 2002, role: "sign", key: key(), site: "smg-pemuda-01", name: "Jl. Pemuda speed sign", ...pemuda,
        location: { lat: -6.9815, lon: 110.4143 }, sign: { speedLimitKmh: 40 }, reportIntervalS: 60,
      },
      link: "serial",
      settings: { radarModel: "ld2415", limitKmh: 40, statsIntervalS: 60, statusS: 60 },
      batteryMv: 12600,
    },
    {
      entry: {
        id: 2003, role: "flood", key: key(), site: "smg-kali-semarang-02", name: "Kali Semarang gauge, Jl. Bandarharjo",
        road: "Jl. Bandarharjo", location: { lat: -6.9701, lon: 110.4217 },
        flood: { referenceLevelM: 4.2, alertLevelM: 1.5, dangerLevelM: 2.5 }, reportIntervalS: 60,
      },
      link: "serial",
      settings: { sensorType: "maxbotix", referenceMm: 4200, alertMm: 1500, dangerMm: 2500, reportIntervalS: 60, fastIntervalS: 30, statusS: 60 },
      batteryMv: 3950,
    },
    {
      entry: {
        id: 2004, role: "bridge", key: key(), site: "smg-gateway-01", name: "LoRa bridge at the gateway",
        location: { lat: -6.9667, lon: 110.4167 }, reportIntervalS: 60,
      },
      link: "serial",
      settings: { statusS: 60 },
      batteryMv: 5000,
    },
    {
      entry: {
        id: 2005, role: "flood", key: key(), site: "smg-bkb-03", name: "Banjir Kanal Barat gauge, Jl. Siliwangi",
        road: "Jl. Siliwangi", location: { lat: -6.9841, lon: 110.3968 },
        flood: { referenceLevelM: 5, alertLevelM: 2, dangerLevelM: 3 }, reportIntervalS: 120,
      },
      link: "lora",
      settings: { sensorType: "pressure", referenceMm: 5000, alertMm: 2000, dangerMm: 3000, reportIntervalS: 120, fastIntervalS: 120, statusS: 600 },
      batteryMv: 3900,
    },
  ];
}
