import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { FleetFiles } from "../field/fleet-files.js";
import { CliError } from "./errors.js";
import { deviceId, integerIn } from "./options.js";
import { table } from "./table.js";

interface FleetOpts { config?: string; registry: string; keys?: string }

/** The fleet files to read; an absent registry is an error here (provisioning starts one, listing cannot). */
async function loadFleet(opts: FleetOpts): Promise<FleetFiles> {
  const { FleetFiles, fleetPaths } = await import("../field/fleet-files.js");
  const paths = fleetPaths(opts);
  if (!existsSync(paths.registry)) {
    throw new CliError(`there is no fleet registry at ${paths.registry}`, "name one with --config or --registry; pantau provision starts one");
  }
  return FleetFiles.load(paths);
}

function fleetOptions(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "gateway config naming the registry and keys file")
    .option("--registry <file>", "fleet registry, when there is no --config", "fleet.json")
    .option("--keys <file>", "keys file, when there is no --config");
}

export function fleetCommand(program: Command): void {
  const fleet = program.command("fleet").description("the fleet registry: list it, show a unit, give a unit a new key");

  fleetOptions(fleet.command("list").description("every unit in the registry, as a table"))
    .action(async (opts: FleetOpts) => {
      const files = await loadFleet(opts);
      const rows = [...files.entries].sort((a, b) => a.id - b.id).map((e) => [
        String(e.id), e.role, e.site, e.name, files.keyOf(e.id) ? "yes" : "not yet", e.road ?? "",
      ]);
      process.stdout.write(table(["id", "role", "site", "name", "key", "road"], rows));
      process.stdout.write(`${rows.length} ${rows.length === 1 ? "unit" : "units"} in ${files.paths.registry}\n`);
    });

  fleetOptions(fleet.command("show").description("one unit's registry entry").argument("<id>", "device id", deviceId))
    .action(async (id: number, opts: FleetOpts) => {
      const files = await loadFleet(opts);
      const e = files.entry(id);
      if (!e) throw new CliError(`unit ${id} is not in ${files.paths.registry}`, "pantau fleet list shows the units it holds");
      const lines: Array<[string, string]> = [
        ["unit", `${e.id} "${e.name}"`], ["role", e.role], ["site", e.site],
        ["location", `${e.location.lat}, ${e.location.lon}`],
        ...(e.road ? [["road", `${e.road}${e.direction ? `, ${e.direction}` : ""}`] as [string, string]] : []),
        ...(e.lanes ? [["lanes", e.lanes.map((l) => `${l.lane}${l.direction ? ` (${l.direction})` : ""}`).join(", ")] as [string, string]] : []),
        ...(e.flood ? [["levels", `reference ${e.flood.referenceLevelM} m, alert ${e.flood.alertLevelM} m, danger ${e.flood.dangerLevelM} m`] as [string, string]] : []),
        ...(e.sign ? [["limit", `${e.sign.speedLimitKmh} km/h`] as [string, string]] : []),
        ...(e.reportIntervalS ? [["reports", `every ${e.reportIntervalS} s`] as [string, string]] : []),
        ["key", files.keyOf(id) ? `yes (${files.paths.keys ?? files.paths.registry})` : "not yet: pantau provision"],
      ];
      for (const [k, v] of lines) process.stdout.write(`${k.padEnd(9)} ${v}\n`);
    });

  fleetOptions(fleet.command("rotate-key").description("give the unit on this port a new key: unit, keys file and registry together"))
    .requiredOption("-p, --port <path>", "the unit's serial port")
    .option("--baud <n>", "the unit's console speed", integerIn(9600, 921600), 115200)
    .addHelpText("after", "\nInterrupted? Run the same command again. Exit codes: 0 done, 1 failed, 2 usage error.")
    .action(async (opts: FleetOpts & { port: string; baud: number }) => {
      const [{ fleetPaths }, { rotateKey }] = await Promise.all([import("../field/fleet-files.js"), import("../field/rotate-key.js")]);
      const done = await rotateKey(opts.port, fleetPaths(opts), opts.baud);
      process.stdout.write(`unit ${done.id} has a new key, in the unit and the fleet files (${done.seconds.toFixed(1)} s); restart the gateway so it uses it\n`);
    });
}
