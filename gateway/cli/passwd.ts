import type { Command } from "commander";

export function passwdCommand(program: Command): void {
  program
    .command("passwd")
    .description("print an scrypt hash, for the config's security.users, of a password read from stdin")
    .action(async () => (await import("../security/hash-password.js")).runPasswd());
}
