import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type as osType } from "node:os";

/** The machine a bench ran on, and how busy it was when it started: figures mean little without it. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1, 5 and 15 minute load averages */
  loadAverageAtStart: number[];
  /**
   * Certificates in NODE_EXTRA_CA_CERTS, when set: every Node process parses them as it starts
   * (144 on the team's machine: some 30-130 ms of CPU in each gateway start measured there).
   */
  extraCaCerts?: number;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? "unknown CPU",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    extraCaCerts: extraCaCerts(process.env.NODE_EXTRA_CA_CERTS),
  };
}

function extraCaCerts(file: string | undefined): number | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, "latin1").split("-----BEGIN CERTIFICATE-----").length - 1;
  } catch {
    return undefined;
  }
}
