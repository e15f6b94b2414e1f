import { Option, type Command } from "commander";
import { roleNames } from "../../shared/roles/catalog.js";
import { deviceId, integerIn, number, setting } from "./options.js";

export function provisionCommand(program: Command): void {
  program
    .command("provision")
    .description("give a unit on this laptop's serial port its identity, key and settings, and add it to the fleet")
    .requiredOption("-p, --port <path>", "the unit's serial port, e.g. /dev/ttyUSB0")
    .requiredOption("--id <n>", "device id, 1..65535", deviceId)
    .addOption(new Option("--role <role>", "the unit's job (default: as the registry plans it)").choices(roleNames()))
    .option("--site <site>", "site id, e.g. smg-pemuda-01 (default: as planned)")
    .option("--name <text>", "what people call the unit")
    .option("--lat <deg>", "latitude, decimal degrees", number)
    .option("--lon <deg>", "longitude, decimal degrees", number)
    .option("--road <name>", "road name")
    .option("--direction <text>", "traffic direction, e.g. northbound")
    .option("--lanes <digits>", "loop: the lane of each loop, e.g. 0011 (two speed traps)")
    .option("--set <name=value>", "a unit setting (repeat it), e.g. --set statusS=120", setting, {})
    .option("-c, --config <file>", "gateway config naming the registry and keys file")
    .option("--registry <file>", "fleet registry, when there is no --config", "fleet.json")
    .option("--keys <file>", "keys file, when there is no --config (default: keys go in the registry)")
    .option("--label <file>", "where the printable label goes (default: unit-<id>-label.html beside the registry)")
    .option("--baud <n>", "the unit's console speed", integerIn(9600, 921600), 115200)
    .addHelpText("after", "\nExit codes: 0 provisioned, 1 failed (run the same command again to resume), 2 usage error.")
    .action(async (opts: {
      port: string; id: number; role?: string; site?: string; name?: string; lat?: number; lon?: number; road?: string; direction?: string;
      lanes?: string; set: Record<string, string | number | boolean>; config?: string; registry: string; keys?: string; label?: string; baud: number;
    }) => {
      if (opts.lanes !== undefined && !/^[0-9]{1,4}$/.test(opts.lanes)) {
        program.error(`error: option '--lanes <digits>' argument '${opts.lanes}' is invalid. one lane digit per loop, 1 to 4 loops, e.g. 0011`, { exitCode: 2 });
      }
      const [{ fleetPaths }, { provision }] = await Promise.all([import("../field/fleet-files.js"), import("../field/provision.js")]);
      const done = await provision({ ...opts, role: opts.role as never, paths: fleetPaths(opts) });
      const e = done.entry;
      process.stdout.write(`\nunit ${e.id} "${e.name}" (${e.role}) at ${e.site} is provisioned${done.resumed ? " (resumed)" : ""} in ${done.seconds.toFixed(1)} s\n`);
      process.stdout.write(`label: ${done.label}\nnext: plug it into the gateway's port, then pantau commission --device ${e.id}\n`);
    });
}
