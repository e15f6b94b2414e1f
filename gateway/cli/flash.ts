import { spawn } from "node:child_process";
import type { Command } from "commander";
import { mcconfigArgs, toolEnv } from "../firmware-build/board.js";
import { INSTALL_ESP_IDF, missingEspIdf } from "../firmware-build/toolchain.js";
import { boardNamed, PROJECT_ROOT, sdkOrExplain } from "./build.js";
import { CliError } from "./errors.js";

export function flashCommand(program: Command): void {
  program
    .command("flash")
    .description("build and write the firmware to a board on a serial port (Moddable SDK and ESP-IDF)")
    .requiredOption("--board <board>", "a board map of manifest.json, e.g. nodemcu")
    .requiredOption("-p, --port <path>", "the board's serial port, e.g. /dev/ttyUSB0")
    .option("--release", "a field image (no debugger)")
    .option("--dry-run", "print the commands instead of running them")
    .addHelpText("after", "\nExit codes: 0 flashed (or printed), 1 failed or a tool is missing, 2 usage error.")
    .action(async (opts: { board: string; port: string; release?: boolean; dryRun?: boolean }) => {
      const target = boardNamed(opts.board);
      const args = [...mcconfigArgs(target, { debug: !opts.release, make: true }), "manifest.json"];
      const idf = missingEspIdf();
      if (opts.dryRun) {
        process.stdout.write([
          `cd ${PROJECT_ROOT}`,
          ...(idf ? ["export IDF_PATH=~/esp32/esp-idf && . $IDF_PATH/export.sh   # ESP-IDF v6.0"] : []),
          `UPLOAD_PORT=${opts.port} mcconfig ${args.join(" ")}`,
        ].join("\n") + "\n");
        return;
      }
      if (idf) throw new CliError(`cannot flash ${opts.board}: ${idf}`, INSTALL_ESP_IDF);
      const sdk = await sdkOrExplain();
      const child = spawn("mcconfig", args, { cwd: PROJECT_ROOT, env: { ...toolEnv(sdk, PROJECT_ROOT), UPLOAD_PORT: opts.port }, stdio: "inherit" });
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      if (code !== 0) throw new CliError(`mcconfig -m failed (exit ${code}) flashing ${opts.board} on ${opts.port}`, "check the port, that the board is in download mode, and the output above");
      process.stdout.write(`flashed ${opts.board} on ${opts.port}\nnext: pantau provision --port ${opts.port} --id <n>\n`);
    });
}
