import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";

export const MOSQUITTO = "/usr/sbin/mosquitto";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * A real Mosquitto standing in for the command center's broker: loopback only, no persistence,
 * restartable on the same port. `listener` lines beyond the basics come from `extra`.
 */
export class Mosquitto {
  private child: ChildProcess | undefined;
  private stderr = "";
  readonly conf: string;

  constructor(readonly port: number, dir: string, extra: string[] = ["allow_anonymous true"]) {
    this.conf = join(dir, `mosquitto-${port}.conf`);
    // run as root, Mosquitto would switch to its own user, which cannot read the test's private temp folder
    const user = `user ${userInfo().username}`;
    writeFileSync(this.conf, [`listener ${port} 127.0.0.1`, user, "persistence false", "log_dest stderr", "log_type error", "log_type warning", ...extra, ""].join("\n"));
  }

  async start(): Promise<void> {
    const child = spawn(MOSQUITTO, ["-c", this.conf], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    const deadline = Date.now() + 5000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`mosquitto not listening on ${this.port}: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGHUP: Mosquitto rereads its password file. */
  reload(): void {
    this.child?.kill("SIGHUP");
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  }
}
