import type { Aedes, AedesPublishPacket } from "aedes";
import type { FastifyInstance } from "fastify";
import type { ServerResponse } from "node:http";
import type { Logger } from "../log.js";
import { TOPIC_ROOT } from "../publish/publisher.js";
import { outputKinds } from "../roles/index.js";
import { mayRead, type Grants } from "../security/acl.js";

/** What the page follows: readings, alarms, status and command results, never the commands themselves. */
const LIVE_FILTER = `${TOPIC_ROOT}/#`;
const SHOWN = /^pantau\/v1\/[^/]+\/\d+\/([a-z]+|command\/result)$/;
/** a comment line now and then keeps proxies and phones from closing a quiet stream */
const KEEPALIVE_MS = 20_000;
/** a reader that does not keep up is dropped rather than buffered without end */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * GET /api/live: the embedded broker's messages as server-sent events, subscribed in-process
 * (an internal subscription like the command handler's, not an MQTT client). Each event is
 * `{topic, payload}`; the page reconnects by itself (EventSource) when the stream breaks.
 */
export async function registerLive(app: FastifyInstance, aedes: Aedes, log: Logger): Promise<void> {
  /** each open stream with the grants of who opened it: a user scoped to sites gets only theirs */
  const streams = new Map<ServerResponse, Grants>();
  const deliver = (packet: AedesPublishPacket, done: () => void): void => {
    // nobody watching (the usual case): no parse per message
    if (streams.size === 0) return done();
    const level = SHOWN.exec(packet.topic)?.[1];
    if (level !== undefined && (level === "command/result" || outputKinds().includes(level))) {
      const data = `data: ${JSON.stringify({ topic: packet.topic, payload: JSON.parse(packet.payload.toString()) as unknown })}\n\n`;
      for (const [res, grants] of streams) {
        if (!mayRead(grants, packet.topic)) continue;
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          log.warn("live stream dropped: the reader does not keep up");
          res.destroy();
        } else {
          res.write(data);
        }
      }
    }
    done();
  };
  await new Promise<void>((resolve) => aedes.subscribe(LIVE_FILTER, deliver, resolve));
  const keepalive = setInterval(() => {
    for (const res of streams.keys()) res.write(": keepalive\n\n");
  }, KEEPALIVE_MS);
  keepalive.unref();

  app.get("/api/live", (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
    res.write("retry: 3000\n\n");
    streams.set(res, request.viewer!.grants);
    request.raw.once("close", () => streams.delete(res));
  });

  // before the server closes: an open stream would hold its close forever
  app.addHook("preClose", async () => {
    clearInterval(keepalive);
    for (const res of streams.keys()) res.end();
    streams.clear();
    await new Promise<void>((resolve) => aedes.unsubscribe(LIVE_FILTER, deliver, resolve));
  });
}
