import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A transparent TCP pipe to a broker that the test can shut, like a network path that comes back
 * later than the broker does. It lets the test have the command center's subscriber resubscribed
 * on a restarted (non-persistent) broker before the bridge can reach it, without timing luck.
 */
export class TcpGate {
  open = true;
  port = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.pipe(client));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private pipe(client: Socket): void {
    if (!this.open) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ port: this.targetPort, host: "127.0.0.1" });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
