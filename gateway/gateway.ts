import { join } from "node:path";
import { ProtocolError } from "../shared/errors.js";
import { decodeRelayUp, encodeRelayDown, RELAY_UP } from "../shared/relay.js";
import type { GatewayConfig } from "./config.js";
import { ackFrame } from "./downlink/ack.js";
import type { FrameSink, Link } from "./ingest/link.js";
import { SerialLink } from "./ingest/serial-link.js";
import type { Logger } from "./log.js";
import { Pipeline, type FrameOrigin } from "./pipeline/pipeline.js";
import { startBroker, type RunningBroker } from "./publish/broker.js";
import { Publisher } from "./publish/publisher.js";
import type { Registry } from "./registry/registry.js";
import { Store } from "./store/store.js";

const HOUSEKEEPING_MS = 60_000;

/**
 * The composition root: links feed frames to the pipeline, the pipeline publishes on the
 * embedded broker, and acks go back out on the link each frame came from.
 */
export class Gateway implements FrameSink {
  readonly links = new Map<string, Link>();
  readonly pipeline: Pipeline;
  private readonly housekeeping: NodeJS.Timeout;

  private constructor(
    readonly config: GatewayConfig,
    readonly registry: Registry,
    readonly broker: RunningBroker,
    readonly store: Store,
    private readonly log: Logger,
  ) {
    this.pipeline = new Pipeline(registry, store, new Publisher(broker.aedes), log, { maxDelayMs: config.store.batchMs });
    this.pipeline.on("ack", (req) => {
      const link = this.links.get(req.origin.source);
      // a frame heard over LoRa is answered over LoRa: the bridge transmits what it is handed
      const frame = req.origin.radio ? encodeRelayDown(ackFrame(req)) : ackFrame(req);
      if (!link?.send(frame)) this.log.debug({ source: req.origin.source, deviceId: req.device.id }, "ack not sent: link down");
    });
    this.housekeeping = setInterval(() => this.sweep(), HOUSEKEEPING_MS);
    this.housekeeping.unref();
  }

  static async start(config: GatewayConfig, registry: Registry, log: Logger, mode: { demo: boolean } = { demo: false }): Promise<Gateway> {
    const store = Store.open({ file: join(config.dataDir, "pantau.db"), ...config.store });
    const swept = store.enforceLimits();
    log.info({ file: join(config.dataDir, "pantau.db"), ...swept }, "store open");
    let broker: RunningBroker;
    try {
      broker = await startBroker({ mqtt: config.mqtt, security: config.security, demo: mode.demo }, log);
    } catch (err) {
      store.close();
      throw err;
    }
    const gateway = new Gateway(config, registry, broker, store, log);
    for (const port of config.serial) {
      const link = new SerialLink({ path: port.path, baudRate: port.baudRate, kind: port.link }, gateway, log);
      gateway.addLink(link);
      link.start();
    }
    log.info({ devices: registry.all().length, ports: config.serial.length }, "gateway started");
    return gateway;
  }

  addLink(link: Link): void {
    this.links.set(link.name, link);
  }

  frame(frame: Uint8Array, link: Link): void {
    if (link.kind !== "bridge" || frame[0] !== RELAY_UP) return this.ingest(frame, { source: link.name });
    try {
      const { packet, rssiDbm, snrDb10 } = decodeRelayUp(frame);
      this.ingest(packet, { source: link.name, radio: { rssiDbm, snrDb10 } });
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.pipeline.reject(err.reason, err.message, link.name, frame.length);
    }
  }

  framingError(reason: string, link: Link, dropped: number): void {
    this.pipeline.reject("framing", `SLIP ${reason}`, link.name, dropped);
  }

  private ingest(frame: Uint8Array, origin: FrameOrigin): void {
    this.pipeline.handleFrame(frame, origin).catch((err: unknown) => {
      this.log.error({ source: origin.source, err: (err as Error).message }, "frame handling failed");
    });
  }

  /** Retention and outbox limits, so an outage fills a bounded amount of disk. */
  private sweep(): void {
    const result = this.store.enforceLimits();
    if (result.historyDropped || result.outboxDropped) this.log.warn(result, "store limits applied");
  }

  async stop(): Promise<void> {
    clearInterval(this.housekeeping);
    await Promise.all([...this.links.values()].map((l) => l.stop()));
    this.pipeline.flush();
    await this.broker.close();
    this.store.close();
    this.log.info("gateway stopped");
  }
}
