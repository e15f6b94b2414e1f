import { readFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { Aedes } from "aedes";
import type { Logger } from "../log.js";
import type { TlsListenerConfig, WsListenerConfig } from "./config.js";

export interface ListenersConfig {
  /** plain MQTT over TCP: the gateway config's `mqtt.host` and `mqtt.port` */
  host: string;
  port: number;
  tls?: TlsListenerConfig;
  ws?: WsListenerConfig;
}

export interface RunningListeners {
  /** bound ports, useful when 0 asked the OS for a free one */
  ports: { tcp: number; tls?: number; ws?: number };
  /** stops listening and drops the connections still open on these listeners */
  close(): Promise<void>;
}

/** MQTT packets here are small; ws would otherwise accept 100 MiB messages. */
const WS_MAX_PAYLOAD = 256 * 1024;

interface Listener {
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the plain TCP listener and, when configured, a TLS and a WebSocket listener, all
 * feeding the same broker. If any fails to start, those already started are closed again.
 */
export async function startListeners(aedes: Aedes, config: ListenersConfig, log: Logger): Promise<RunningListeners> {
  const started: Listener[] = [];
  const start = async (name: string, make: () => Promise<Listener>): Promise<number> => {
    const listener = await make();
    started.push(listener);
    log.info({ transport: name, port: listener.port }, "mqtt listener started");
    return listener.port;
  };
  try {
    const ports: RunningListeners["ports"] = { tcp: await start("tcp", () => tcpListener(aedes, config.host, config.port)) };
    const { tls, ws } = config;
    if (tls) ports.tls = await start("tls", () => tlsListener(aedes, tls, config.host, log));
    if (ws) ports.ws = await start("ws", () => wsListener(aedes, ws, config.host, log));
    return { ports, close: () => closeAll(started) };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

async function closeAll(listeners: Listener[]): Promise<void> {
  await Promise.all(listeners.map((l) => l.close()));
}

function tcpListener(aedes: Aedes, host: string, port: number): Promise<Listener> {
  return listen(createNetServer(aedes.handle), host, port);
}

async function tlsListener(aedes: Aedes, config: TlsListenerConfig, defaultHost: string, log: Logger): Promise<Listener> {
  const [key, cert] = await Promise.all([readPem(config.keyFile, "key"), readPem(config.certFile, "certificate")]);
  const server = createTlsServer({ key, cert, minVersion: "TLSv1.2" }, aedes.handle);
  server.on("tlsClientError", (err) => log.debug({ err: err.message }, "mqtt tls handshake failed"));
  return listen(server, config.host ?? defaultHost, config.port);
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new Error(`cannot read the MQTT TLS ${what} file ${file}: ${(err as Error).message}`);
  }
}

async function wsListener(aedes: Aedes, config: WsListenerConfig, defaultHost: string, log: Logger): Promise<Listener> {
  // loaded only for a WebSocket listener: 13 modules a gateway without one does not load at start
  const { WebSocketServer, createWebSocketStream } = await import("ws");
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" }).end("MQTT over WebSocket only\n");
  });
  const wss = new WebSocketServer({ server: http, path: config.path, maxPayload: WS_MAX_PAYLOAD });
  wss.on("connection", (socket, req) => {
    const stream = createWebSocketStream(socket);
    stream.on("error", (err) => log.debug({ err: err.message }, "mqtt websocket error"));
    aedes.handle(stream, req);
  });
  const listener = await listen(http, config.host ?? defaultHost, config.port);
  return {
    port: listener.port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await listener.close();
    },
  };
}

/** Binds a server and keeps its sockets, so close() does not wait for clients to leave. */
async function listen(server: Server, host: string, port: number): Promise<Listener> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    // small packets (acks, commands) go out at once; Nagle held them behind unacknowledged ones
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
