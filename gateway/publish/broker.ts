import { createServer, type AddressInfo, type Server } from "node:net";
import { Aedes } from "aedes";
import type { Logger } from "../log.js";

export interface BrokerOptions {
  host: string;
  port: number;
}

export interface RunningBroker {
  aedes: Aedes;
  /** the bound port, useful when 0 asked the OS for a free one */
  port: number;
  close(): Promise<void>;
}

/** The embedded aedes broker on a TCP listener. */
export async function startBroker(opts: BrokerOptions, log: Logger): Promise<RunningBroker> {
  const aedes = await Aedes.createBroker({ id: "pantau-gateway" });
  const server: Server = createServer(aedes.handle);
  aedes.on("clientError", (client, err) => log.debug({ client: client.id, err: err.message }, "mqtt client error"));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host: opts.host, port }, "mqtt broker listening");
  return {
    aedes,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close();
        aedes.close(() => resolve());
      }),
  };
}
