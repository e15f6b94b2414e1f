#!/usr/bin/env node
// `pantau`: one command per file in ./cli/. Each file declares its command (options, help) and
// imports what it runs inside its action, so a command loads only its own modules: the gateway
// starts without the demo's firmware, the field tools or the MQTT client. With no arguments it
// runs the demo. Exit codes: 0 done, 1 failed (the message says what and what to do), 2 a usage
// error (unknown command or option, bad value), 3 checks that ran but did not all pass (commission).

import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { FIRMWARE_VERSION, versionText } from "../firmware/core/version.js";
import { airtimeCommand } from "./cli/airtime.js";
import { buildCommand } from "./cli/build.js";
import { commissionCommand } from "./cli/commission.js";
import { demoCommand } from "./cli/demo.js";
import { CliError } from "./cli/errors.js";
import { flashCommand } from "./cli/flash.js";
import { fleetCommand } from "./cli/fleet.js";
import { gatewayCommand } from "./cli/gateway.js";
import { passwdCommand } from "./cli/passwd.js";
import { provisionCommand } from "./cli/provision.js";
import { watchCommand } from "./cli/watch.js";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command("pantau")
  .description("Pantau: roadside sensor fleet gateway and field tools. With no command, runs the demo.")
  .version(`pantau ${version} (firmware ${versionText(FIRMWARE_VERSION)})`, "-V, --version")
  .showHelpAfterError("(add --help for the options)")
  .showSuggestionAfterError()
  .exitOverride();

for (const add of [demoCommand, gatewayCommand, provisionCommand, commissionCommand, watchCommand, fleetCommand, buildCommand, flashCommand, passwdCommand, airtimeCommand]) add(program);

const args = process.argv.slice(2);
program.parseAsync(args.length === 0 ? ["demo"] : args, { from: "user" }).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // commander has already printed the message (or the help, or the version)
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  const hint = err instanceof CliError && err.hint ? `\n${err.hint.replace(/^/gm, "  ")}` : "";
  process.stderr.write(`pantau: ${(err as Error).message}${hint}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
});
