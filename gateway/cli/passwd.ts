import type { Command } from "commander";
import { runPasswd } from "../security/hash-password.js";

export function passwdCommand(program: Command): void {
  program
    .command("passwd")
    .description("print an scrypt hash, for the config's security.users, of a password read from stdin")
    .action(() => runPasswd());
}
