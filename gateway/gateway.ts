import { join } from "node:path";
import type { RejectReason } from "../shared/errors.js";
import { Commands } from "./commands/commands.js";
import { reportIntervalSet } from "./commands/translate.js";
import type { GatewayConfig } from "./config.js";
import { answerUplink } from "./downlink/answer.js";
import { DeviceHealth } from "./health/device-health.js";
import { HealthReporter } from "./health/health-reporter.js";
import { linkQualityOf, observationOf } from "./health/observation.js";
import { RecentRejections } from "./health/recent-rejections.js";
import { HttpService } from "./http/http-service.js";
import type { FrameOrigin, FrameSink, Link } from "./ingest/link.js";
import { InFlightLimit } from "./ingest/in-flight.js";
import { Links } from "./ingest/links.js";
import { RawMqttIngest } from "./ingest/mqtt-raw.js";
import { SerialLink } from "./ingest/serial-link.js";
import type { Logger } from "./log.js";
import { GatewayMetrics } from "./metrics/metrics.js";
import { observedMs } from "./normalize/common.js";
import { Pipeline, type Accepted, type Arrival, type CommandResultArrival, type Rejection } from "./pipeline/pipeline.js";
import { startBroker, type RunningBroker } from "./publish/broker.js";
import { Outlet } from "./publish/outlet.js";
import { Publisher } from "./publish/publisher.js";
import type { Registry } from "./registry/registry.js";
import { registerSecurityMetrics } from "./security/metrics.js";
import { closing, periodic, ServiceRunner, type Service } from "./service.js";
import { CommitThread } from "./store/commit-worker.js";
import { Store, type StoreOptions } from "./store/store.js";
import type { OutboxConsumer } from "./upstream/consumer.js";
import type { MqttSender } from "./upstream/mqtt-sender.js";
import { createSenders, loadSenders, type LoadedSenders } from "./upstream/senders.js";

const HOUSEKEEPING_MS = 60_000;
/**
 * Frames in flight at which the serial links stop reading, and at which they read again. Above a
 * commit's 500, so one batch gathers while another commits; every frame in flight is live at each
 * scavenge, and at 2,000 a burst promoted twice the bytes a frame (and made more mark-compacts)
 * at the same throughput.
 */
const IN_FLIGHT = { high: 800, low: 400 };
const HEALTH_TICK_MS = 5_000;

/**
 * The composition root. Links hand frames to the pipeline; the pipeline stores them, emits what
 * they say through the outlet (store, embedded broker, upstream senders) and answers on the link
 * each frame came from; commands from the command center go down the same links; health, metrics
 * and the HTTP API watch it all. Every part with a lifecycle is listed once, in `services`.
 */
export class Gateway implements FrameSink {
  readonly links: Links;
  readonly inFlight: InFlightLimit;
  readonly pipeline: Pipeline;
  readonly outlet: Outlet;
  readonly metrics = new GatewayMetrics();
  readonly health: DeviceHealth;
  readonly rejections = new RecentRejections();
  readonly senders: OutboxConsumer[];
  readonly commands: Commands;
  readonly http: HttpService;
  /** commits readings off the event loop */
  readonly commits: CommitThread;
  /** in start order; they stop in reverse */
  private readonly services: readonly Service[];
  private readonly runner: ServiceRunner;

  private constructor(
    readonly config: GatewayConfig,
    readonly registry: Registry,
    readonly broker: RunningBroker,
    readonly store: Store,
    storeOptions: StoreOptions,
    private readonly log: Logger,
    /** demo mode; `clock` is the gateway's wall clock in ms, which acks hand to the units (the demo runs it at its speed) */
    mode: { demo: boolean; clock?: () => number },
    senderKinds: LoadedSenders,
  ) {
    this.runner = new ServiceRunner(log);
    this.outlet = new Outlet(store, new Publisher(broker.aedes));
    this.health = new DeviceHealth(registry.all(), { policy: config.health });
    const reporter = new HealthReporter(registry, this.health, this.outlet, log, HEALTH_TICK_MS);
    this.links = new Links(log, config.serial.map((port) =>
      new SerialLink({ path: port.path, baudRate: port.baudRate, kind: port.link }, this, log, (state) => {
        this.metrics.portState(port.path, state);
        if (state === "open") this.commands.linkOpened(port.path);
      })));
    this.inFlight = new InFlightLimit(IN_FLIGHT, (on) => this.links.hold(on));
    this.commits = new CommitThread(storeOptions, store, log);
    this.pipeline = new Pipeline(registry, this.commits, this.outlet, log, {
      batch: { maxDelayMs: config.store.batchMs },
      decorate: (message, a) => {
        this.observe(a);
        if (message.kind === "status") reporter.decorateStatus(a.device.id, message);
      },
      commandResult: (arrival) => this.commandResult(arrival),
    });
    this.commands = new Commands({
      registry, store, aedes: broker.aedes, outlet: this.outlet, log,
      send: (origin, frame) => this.links.send(origin, frame),
      saveHeard: (deviceId, origin, at) => this.commits.setLastHeard(deviceId, origin, at),
      applied: (device, command) => {
        const intervalS = reportIntervalSet(command, device.role);
        if (intervalS !== undefined) this.health.setExpectedInterval(device.id, intervalS);
      },
    });
    this.pipeline.on("ack", (req) => answerUplink(req, this.commands, this.links, log, (mode.clock ?? Date.now)()));
    this.pipeline.on("accepted", (a) => this.accepted(a));
    this.pipeline.on("rejected", (r) => this.rejected(r));
    // their cursors move in the commit thread's transactions, not on the event loop
    this.senders = createSenders(config.upstream, senderKinds, this.commits, log);
    for (const sender of this.senders) this.outlet.onQueued(() => sender.notify());
    const upstream = this.senders.find((s): s is MqttSender => s.name === "mqtt");
    this.metrics.setCollectors({
      storeDepth: () => store.usedBytes(),
      outboxDepth: () => store.outboxDepth(),
      outboxDropped: () => store.counters().outboxDropped,
      ...(upstream ? { upstream: () => upstream.stats() } : {}),
      senderLag: () => Object.fromEntries(this.senders.map((s) => [s.name, store.outboxLag(s.name)])),
    });
    registerSecurityMetrics(this.metrics.registry, broker.security);
    this.http = new HttpService(config.http, {
      registry, store, health: this.health, metrics: this.metrics, log,
      rejections: this.rejections,
      access: { users: config.security.users, demo: mode.demo, loginBackoff: config.security.limits.loginBackoff }, aedes: broker.aedes, commands: this.commands,
      checks: {
        broker: () => ({ ok: !broker.aedes.closed, clients: broker.aedes.connectedClients }),
        // a store that cannot commit says why; one that cannot answer throws, which is a 503 too
        store: () => store.health(),
        ports: () => this.links.states(),
        upstream: () => (this.senders.length ? Object.fromEntries(this.senders.map((s) => [s.name, s.stats()])) : "not configured"),
      },
    });
    this.services = [
      closing("store", () => store.close()),
      closing("commit thread", () => this.commits.close()),
      closing("broker", () => broker.close()),
      closing("outlet", () => this.outlet.flush()),
      closing("pipeline", () => this.pipeline.flush()),
      periodic("store limits", HOUSEKEEPING_MS, () => this.sweep(), log),
      reporter,
      this.commands,
      ...this.senders,
      this.http,
      new RawMqttIngest(broker.aedes, this.links, this, log),
      this.links,
    ];
  }

  static async start(config: GatewayConfig, registry: Registry, log: Logger, mode: { demo: boolean; clock?: () => number } = { demo: false }): Promise<Gateway> {
    for (const line of config.deprecations) log.warn(`config: ${line}`);
    const senderKinds = await loadSenders(config.upstream);
    const file = join(config.dataDir, "pantau.db");
    const storeOptions: StoreOptions = { file, ...config.store };
    const store = Store.open(storeOptions);
    log.info({ file, ...store.enforceLimits() }, "store open");
    let broker: RunningBroker;
    try {
      broker = await startBroker({ mqtt: config.mqtt, security: config.security, demo: mode.demo }, log);
    } catch (err) {
      store.close();
      throw err;
    }
    const gateway = new Gateway(config, registry, broker, store, storeOptions, log, mode, senderKinds);
    await gateway.runner.start(gateway.services);
    log.info({ devices: registry.all().length, ports: config.serial.length, http: gateway.http.port }, "gateway started");
    return gateway;
  }

  /** A link that appears while the gateway runs (a demo unit's, a test's). */
  addLink(link: Link): void {
    this.links.add(link);
  }

  frame(frame: Uint8Array, origin: FrameOrigin): void {
    this.inFlight.track(this.pipeline.handleFrame(frame, origin)).catch((err: unknown) => {
      this.log.error({ source: origin.source, err: (err as Error).message }, "frame handling failed");
    });
  }

  reject(reason: RejectReason, message: string, source: string, bytes: number): void {
    this.pipeline.reject(reason, message, source, bytes);
  }

  /** Every accepted frame is proof of life, and may carry link quality and battery. */
  private observe({ envelope, device, origin, receivedAt }: Arrival): void {
    const observation = observationOf(envelope, origin, receivedAt);
    this.health.observe(device.id, observation);
    this.metrics.deviceLink(device.id, linkQualityOf(observation));
  }

  /** A unit's answer to a command: proof of life like any frame, and the command's outcome. */
  private commandResult(arrival: CommandResultArrival): void {
    this.observe(arrival);
    this.metrics.frame("accepted");
    this.commands.result(arrival.envelope, arrival.device);
  }

  private accepted({ envelope, device, receivedAt, alarm }: Accepted): void {
    // an alarm is news for whoever watches the log, not a problem of the gateway's
    if (alarm) {
      this.log.info({ deviceId: device.id, site: device.site, severity: alarm.payload.severity }, `alarm from ${device.name} (${device.id}): ${String(alarm.payload.description)}`);
    }
    this.metrics.frame("accepted");
    this.metrics.latency((Date.now() - observedMs(envelope, receivedAt)) / 1000);
  }

  /** Counted by reason; an authentic unit's refused frames also count in its health (and so its status). */
  private rejected(rejection: Rejection): void {
    const { reason, deviceId } = rejection;
    this.metrics.frame(reason);
    if (deviceId !== undefined) this.health.rejected(deviceId);
    this.rejections.add(rejection);
  }

  /** Retention and outbox limits, so an outage fills a bounded amount of disk. */
  private sweep(): void {
    const result = this.store.enforceLimits();
    if (result.historyDropped || result.outboxDropped) this.log.warn(result, "store limits applied");
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    this.log.info("gateway stopped");
  }
}
