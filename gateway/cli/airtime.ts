import type { Command } from "commander";
import { dutyCycleWaitMs, loraAirtimeMs } from "../../shared/airtime.js";
import { MAX_AIR_FRAME } from "../../shared/messages.js";
import { integerIn, positive } from "./options.js";
import { table } from "./table.js";

const SFS = [7, 8, 9, 10, 11, 12];

interface AirtimeRow {
  sf: number;
  airtimeMs: number;
  waitS: number;
  reportsPerHour: number;
}

/** Time on air of one frame and what a duty cycle allows, per spreading factor. */
export function airtimeRows(bytes: number, sfs: number[], bandwidthHz: number, dutyPct: number): AirtimeRow[] {
  return sfs.map((sf) => {
    const airtimeMs = loraAirtimeMs({ payloadBytes: bytes, spreadingFactor: sf, bandwidthHz });
    return {
      sf,
      airtimeMs,
      waitS: dutyCycleWaitMs(airtimeMs, dutyPct / 100) / 1000,
      reportsPerHour: Math.floor((3_600_000 * dutyPct) / 100 / airtimeMs),
    };
  });
}

export function airtimeCommand(program: Command): void {
  program
    .command("airtime")
    .description("LoRa time on air of a frame, and how many such frames per hour a duty cycle allows")
    .requiredOption("--bytes <n>", `frame size in bytes (a unit's LoRa frames are at most ${MAX_AIR_FRAME})`, integerIn(1, 255))
    .option("--sf <sf>", "spreading factor 7..12 (default: all of them)", integerIn(7, 12))
    .option("--bw <hz>", "bandwidth in Hz", integerIn(7800, 500000), 125000)
    .option("--duty <percent>", "duty cycle in percent (AS923: 1)", positive, 1)
    .option("--json", "print JSON instead of a table")
    .action((opts: { bytes: number; sf?: number; bw: number; duty: number; json?: boolean }) => {
      const rows = airtimeRows(opts.bytes, opts.sf ? [opts.sf] : SFS, opts.bw, opts.duty);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ bytes: opts.bytes, bandwidthHz: opts.bw, dutyPct: opts.duty, rows })}\n`);
        return;
      }
      process.stdout.write(`${opts.bytes}-byte frame at ${opts.bw / 1000} kHz, coding rate 4/5, ${opts.duty} % duty cycle\n\n`);
      process.stdout.write(table(["SF", "time on air", "silent after", "frames per hour"], rows.map((r) => [
        `SF${r.sf}`, `${r.airtimeMs.toFixed(1)} ms`, `${r.waitS.toFixed(1)} s`, String(r.reportsPerHour),
      ]), { right: [1, 2, 3] }));
    });
}
