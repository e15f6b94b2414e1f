import type { DeviceEntry } from "../../gateway/registry/registry.js";

export const KEYS = {
  loop: "000102030405060708090a0b0c0d0e0f",
  sign: "101112131415161718191a1b1c1d1e1f",
  flood: "202122232425262728292a2b2c2d2e2f",
  stranger: "ffeeddccbbaa99887766554433221100",
} as const;

export const keyBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, "hex"));

/** A small fleet on one Semarang street: a loop station, a speed sign, a flood station. */
export const TEST_DEVICES: DeviceEntry[] = [
  {
    id: 101, role: "loop", key: KEYS.loop, site: "smg-pemuda-01", name: "Jl. Pemuda loop station",
    location: { lat: -6.9812, lon: 110.4145 }, road: "Jl. Pemuda", direction: "northbound",
    lanes: [{ lane: 0, direction: "forward" }, { lane: 1, direction: "forward" }],
  },
  {
    id: 102, role: "sign", key: KEYS.sign, site: "smg-pemuda-01", name: "Jl. Pemuda speed sign",
    location: { lat: -6.9815, lon: 110.4143 }, road: "Jl. Pemuda", direction: "northbound",
    sign: { speedLimitKmh: 40 },
  },
  {
    id: 103, role: "flood", key: KEYS.flood, site: "smg-kali-semarang-02", name: "Kali Semarang gauge",
    location: { lat: -6.9701, lon: 110.4217 }, road: "Jl. Bandarharjo",
    flood: { referenceLevelM: 4.2, alertLevelM: 1.5, dangerLevelM: 2.5 },
  },
];
