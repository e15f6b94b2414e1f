import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { IncomingMessage } from "node:http";
import type { Client, Connection } from "aedes";

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.x (::ffff:127.0.0.1), which BlockList maps to IPv4. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  if (isIPv4(address)) return LOOPBACK.check(address, "ipv4");
  return isIPv6(address) && LOOPBACK.check(address, "ipv6");
}

/**
 * The peer address of an MQTT client: the socket's for TCP and TLS, the HTTP request's for
 * WebSocket. Proxy headers are deliberately ignored: anyone can write X-Forwarded-For.
 */
export function remoteAddress(client: Client): string | undefined {
  return peerAddress(client.conn, client.req);
}

/** The same for a connection aedes has just been handed, with its HTTP request for WebSocket. */
export function peerAddress(conn: Connection, req: IncomingMessage | undefined): string | undefined {
  return ("remoteAddress" in conn ? conn.remoteAddress : undefined) ?? req?.socket.remoteAddress;
}
