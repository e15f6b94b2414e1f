import { join } from "node:path";
import { ProtocolError } from "../shared/errors.js";
import { decodeRelayUp, encodeRelayDown, RELAY_UP } from "../shared/relay.js";
import { Commands } from "./commands/commands.js";
import { reportIntervalSet } from "./commands/translate.js";
import type { GatewayConfig } from "./config.js";
import { ackFrame } from "./downlink/ack.js";
import { DeviceHealth } from "./health/device-health.js";
import { HealthReporter } from "./health/health-reporter.js";
import { startHttp, type RunningHttp } from "./http/server.js";
import type { FrameSink, Link } from "./ingest/link.js";
import { ingestRawMqtt } from "./ingest/mqtt-raw.js";
import { SerialLink } from "./ingest/serial-link.js";
import type { Logger } from "./log.js";
import { GatewayMetrics } from "./metrics/metrics.js";
import { observedAt } from "./normalize/common.js";
import { Pipeline, type Accepted, type CommandResultArrival, type FrameOrigin } from "./pipeline/pipeline.js";
import { startBroker, type RunningBroker } from "./publish/broker.js";
import { Publisher } from "./publish/publisher.js";
import type { Registry } from "./registry/registry.js";
import { registerSecurityMetrics } from "./security/metrics.js";
import { Store } from "./store/store.js";
import { UpstreamBridge } from "./upstream/bridge.js";

const HOUSEKEEPING_MS = 60_000;
const HEALTH_TICK_MS = 5_000;

/**
 * The composition root: links feed frames to the pipeline; the pipeline stores, publishes on
 * the embedded broker and acks on the link each frame came from; commands from the command
 * center go down the same links; the upstream bridge drains the store's outbox to the command
 * center; health, metrics and the HTTP API watch it all.
 */
export class Gateway implements FrameSink {
  readonly links = new Map<string, Link>();
  readonly pipeline: Pipeline;
  readonly metrics = new GatewayMetrics();
  readonly health: DeviceHealth;
  readonly upstream: UpstreamBridge | undefined;
  readonly commands: Commands;
  http: RunningHttp | undefined;
  private readonly reporter: HealthReporter;
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    readonly config: GatewayConfig,
    readonly registry: Registry,
    readonly broker: RunningBroker,
    readonly store: Store,
    private readonly log: Logger,
  ) {
    const publisher = new Publisher(broker.aedes);
    this.health = new DeviceHealth(registry.all(), { policy: config.health });
    this.reporter = new HealthReporter(registry, this.health, publisher, store, log);
    this.pipeline = new Pipeline(registry, store, publisher, log, {
      batch: { maxDelayMs: config.store.batchMs },
      decorate: (message, a) => {
        this.observe(a);
        if (message.kind === "status") this.reporter.decorateStatus(a.device.id, message);
      },
      commandResult: (arrival) => this.commandResult(arrival),
    });
    this.commands = new Commands({
      registry, store, aedes: broker.aedes, log,
      send: (origin, frame) => this.downlink(origin, frame),
      queuedUpstream: () => this.upstream?.notify(),
      applied: (device, command) => {
        const intervalS = reportIntervalSet(command, device.role);
        if (intervalS !== undefined) this.health.setExpectedInterval(device.id, intervalS);
      },
    });
    this.pipeline.on("ack", (req) => {
      // The device listens now (on LoRa only in the window its uplink opened): a pending command
      // goes first, so the unit has it before the ack lets its next uplink go and close the window.
      this.commands.heard(req.device, req.origin);
      if (!this.downlink(req.origin, ackFrame(req))) this.log.debug({ source: req.origin.source, deviceId: req.device.id }, "ack not sent: link down");
    });
    this.pipeline.on("accepted", (a) => this.accepted(a));
    this.pipeline.on("rejected", (reason) => this.metrics.frame(reason));
    this.upstream = config.upstream ? new UpstreamBridge(config.upstream, store, log) : undefined;
    this.metrics.setCollectors({
      storeDepth: () => store.usedBytes(),
      outboxDepth: () => store.outboxDepth(),
      outboxDropped: () => store.counters().outboxDropped,
      ...(this.upstream ? { upstream: () => this.upstream!.stats() } : {}),
    });
    registerSecurityMetrics(this.metrics.registry, broker.security);
    this.every(HOUSEKEEPING_MS, () => this.sweep());
    this.every(HEALTH_TICK_MS, () => this.reporter.tick());
  }

  static async start(config: GatewayConfig, registry: Registry, log: Logger, mode: { demo: boolean } = { demo: false }): Promise<Gateway> {
    const file = join(config.dataDir, "pantau.db");
    const store = Store.open({ file, ...config.store });
    log.info({ file, ...store.enforceLimits() }, "store open");
    let broker: RunningBroker;
    try {
      broker = await startBroker({ mqtt: config.mqtt, security: config.security, demo: mode.demo }, log);
    } catch (err) {
      store.close();
      throw err;
    }
    const gateway = new Gateway(config, registry, broker, store, log);
    try {
      await gateway.commands.start();
      gateway.http = await startHttp(config.http, {
        registry, store, health: gateway.health, metrics: gateway.metrics, log,
        checks: {
          broker: () => ({ ok: !broker.aedes.closed, clients: broker.aedes.connectedClients }),
          // a store that cannot answer throws, and the HTTP side turns that into a 503
          store: () => ({ ok: true, usedBytes: store.usedBytes() }),
          ports: () => Object.fromEntries([...gateway.links.values()].map((l) => [l.name, l instanceof SerialLink ? l.state : "open"])),
          upstream: () => gateway.upstream?.stats() ?? "not configured",
        },
      });
    } catch (err) {
      await gateway.stop();
      throw err;
    }
    gateway.upstream?.start();
    ingestRawMqtt(broker.aedes, gateway, log);
    for (const port of config.serial) {
      const link = new SerialLink({ path: port.path, baudRate: port.baudRate, kind: port.link }, gateway, log, (state) => gateway.metrics.portState(port.path, state));
      gateway.addLink(link);
      link.start();
    }
    log.info({ devices: registry.all().length, ports: config.serial.length, http: gateway.http.port }, "gateway started");
    return gateway;
  }

  addLink(link: Link): void {
    this.links.set(link.name, link);
  }

  frame(frame: Uint8Array, link: Link): void {
    if (link.kind !== "bridge" || frame[0] !== RELAY_UP) {
      return this.ingest(frame, { source: link.name, ...(link.deviceId !== undefined ? { deviceId: link.deviceId } : {}) });
    }
    try {
      const { packet, rssiDbm, snrDb10 } = decodeRelayUp(frame);
      this.ingest(packet, { source: link.name, radio: { rssiDbm, snrDb10 } });
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.pipeline.reject(err.reason, err.message, link.name, frame.length);
    }
  }

  /** A frame from the gateway to a device, on the link `origin` came in on. */
  private downlink(origin: FrameOrigin, frame: Uint8Array): boolean {
    // a frame heard over LoRa is answered over LoRa: the bridge transmits what it is handed
    return this.links.get(origin.source)?.send(origin.radio ? encodeRelayDown(frame) : frame) ?? false;
  }

  framingError(reason: string, link: Link, dropped: number): void {
    this.pipeline.reject("framing", `SLIP ${reason}`, link.name, dropped);
  }

  private ingest(frame: Uint8Array, origin: FrameOrigin): void {
    this.pipeline.handleFrame(frame, origin).catch((err: unknown) => {
      this.log.error({ source: origin.source, err: (err as Error).message }, "frame handling failed");
    });
  }

  /** Link quality comes from the bridge's radio when there is one, else from what the unit reports. */
  private observe({ envelope, device, origin, receivedAt }: Omit<Accepted, "message">): void {
    const status = envelope.type === "status" ? envelope.body : undefined;
    const rssiDbm = origin.radio?.rssiDbm ?? status?.rssiDbm;
    const snrDb10 = origin.radio?.snrDb10 ?? status?.snrDb10;
    this.health.observe(device.id, {
      boot: envelope.boot, seq: envelope.seq, type: envelope.type, receivedAt,
      ...(status ? { batteryMv: status.batteryMv, queueDepth: status.queueDepth } : {}),
      ...(rssiDbm !== undefined ? { rssiDbm } : {}),
      ...(snrDb10 !== undefined ? { snrDb10 } : {}),
    });
    this.metrics.deviceLink(device.id, {
      ...(rssiDbm !== undefined ? { rssi: rssiDbm } : {}),
      ...(snrDb10 !== undefined ? { snr: snrDb10 / 10 } : {}),
      ...(status ? { batteryV: status.batteryMv / 1000 } : {}),
    });
  }

  /** A unit's answer to a command: proof of life like any frame, and the command's outcome. */
  private commandResult(arrival: CommandResultArrival): void {
    this.observe(arrival);
    this.metrics.frame("accepted");
    this.commands.result(arrival.envelope, arrival.device);
  }

  private accepted({ envelope, receivedAt }: Accepted): void {
    this.metrics.frame("accepted");
    this.metrics.latency((Date.now() - observedAt(envelope, receivedAt).at.getTime()) / 1000);
    this.upstream?.notify();
  }

  /** Retention and outbox limits, so an outage fills a bounded amount of disk. */
  private sweep(): void {
    const result = this.store.enforceLimits();
    if (result.historyDropped || result.outboxDropped) this.log.warn(result, "store limits applied");
  }

  private every(ms: number, task: () => unknown): void {
    const timer = setInterval(() => {
      Promise.resolve(task()).catch((err: unknown) => this.log.error({ err: (err as Error).message }, "periodic task failed"));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.commands.stop();
    await Promise.all([...this.links.values()].map((l) => l.stop()));
    this.pipeline.flush();
    await this.upstream?.stop();
    await this.http?.close();
    await this.broker.close();
    this.store.close();
    this.log.info("gateway stopped");
  }
}
