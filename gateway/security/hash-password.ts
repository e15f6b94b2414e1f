import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { hashPassword } from "./scrypt.js";

export interface PasswdIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `pantau passwd`: reads one password line from stdin (typed without echo on a terminal, or
 * piped) and prints its scrypt hash for a `security.users[].passwordHash` entry.
 */
export async function runPasswd(io: PasswdIo = process): Promise<void> {
  const password = await readPassword(io);
  if (password.length === 0) throw new Error("empty password: nothing to hash");
  io.stdout.write(`${await hashPassword(password)}\n`);
}

async function readPassword(io: PasswdIo): Promise<string> {
  const terminal = io.stdin.isTTY === true;
  if (terminal) io.stderr.write("Password: ");
  // readline still handles editing keys on a terminal, but echoes into this sink
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: io.stdin, output: silent, terminal });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once("line", resolve);
      rl.once("close", () => resolve(""));
      rl.once("SIGINT", () => reject(new Error("cancelled")));
    });
  } finally {
    rl.close();
    if (terminal) io.stderr.write("\n");
  }
}
