import { connect as netConnect } from "node:net";
import { Aedes } from "aedes";
import mqtt, { MqttClient, type IClientOptions } from "mqtt";
import { createLogger } from "../../gateway/log.js";
import { resolveSecurityConfig, type SecurityFileConfig, type UserConfig } from "../../gateway/security/config.js";
import { startListeners, type ListenersConfig, type RunningListeners } from "../../gateway/security/listeners.js";
import { DEFAULT_COST, hashPassword, type ScryptCost } from "../../gateway/security/scrypt.js";
import { attachSecurity, type SecurityStats } from "../../gateway/security/security.js";

export const PASSWORDS = { center: "center-pass-1", crew: "crew-pass-2", dev7: "dev7-pass-3", dev8: "dev8-pass-4" };

/** A cheaper scrypt cost for tests that log in many times; the auth tests keep the default. */
export const FAST_COST: ScryptCost = { N: 1024, r: 8, p: 1 };

/** The users every broker test starts with. */
export async function testUsers(cost = DEFAULT_COST): Promise<UserConfig[]> {
  const [center, crew, dev7, dev8] = await Promise.all([
    hashPassword(PASSWORDS.center, cost),
    hashPassword(PASSWORDS.crew, cost),
    hashPassword(PASSWORDS.dev7, cost),
    hashPassword(PASSWORDS.dev8, cost),
  ]);
  return [
    { username: "center", passwordHash: center, role: "command-center" },
    { username: "crew", passwordHash: crew, role: "field-crew" },
    { username: "7", passwordHash: dev7, role: "device" },
    { username: "sensor-8", passwordHash: dev8, role: "device", deviceId: 8 },
  ];
}

export interface SecureBroker {
  aedes: Aedes;
  stats: SecurityStats;
  listeners: RunningListeners;
  url: string;
  close(): Promise<void>;
}

/** A real aedes broker with the security hooks, listening on free loopback ports. */
export async function startSecureBroker(
  security: SecurityFileConfig,
  opts: { demo?: boolean; listeners?: Partial<ListenersConfig> } = {},
): Promise<SecureBroker> {
  const log = createLogger("silent");
  const aedes = await Aedes.createBroker({ id: "pantau-test" });
  const config = resolveSecurityConfig(security, process.cwd());
  const stats = attachSecurity(aedes, config, { demo: opts.demo ?? false, log });
  // wired as the gateway does: plain TCP from `mqtt`, TLS and WebSocket from `security`
  const listeners = await startListeners(aedes, { host: "127.0.0.1", port: 0, tls: config.tls, ws: config.ws, ...opts.listeners }, log);
  return {
    aedes,
    stats,
    listeners,
    url: `mqtt://127.0.0.1:${listeners.ports.tcp}`,
    close: async () => {
      await listeners.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

export function connect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
}

/** A client whose TCP connection comes from `localAddress` (any 127.x works on Linux), so tests can play several machines. */
export function connectFrom(localAddress: string, url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const { hostname, port } = new URL(url);
  const client = new MqttClient(() => netConnect({ host: hostname, port: Number(port), localAddress }), {
    reconnectPeriod: 0,
    connectTimeout: 5000,
    protocolVersion: 4,
    ...opts,
  });
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("error", (err) => {
      client.end(true);
      reject(err);
    });
    client.once("close", () => reject(new Error("connection closed before CONNACK")));
  });
}

/** The CONNACK return code of a refused connection, or 0 if it was accepted (and then closed). */
export async function connackCode(url: string, opts: IClientOptions = {}, localAddress?: string): Promise<number> {
  try {
    const client = await (localAddress ? connectFrom(localAddress, url, opts) : connect(url, opts));
    await client.endAsync();
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) resolve();
    else client.once("close", () => resolve());
  });
}

/** Records every message a client receives, as text. */
export function record(client: MqttClient): Array<{ topic: string; payload: string }> {
  const seen: Array<{ topic: string; payload: string }> = [];
  client.on("message", (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  return seen;
}

/** The QoS the broker granted for one filter, 128 when it refused it (mqtt.js then rejects). */
export async function grantedQos(client: MqttClient, filter: string, qos: 0 | 1 = 1): Promise<number> {
  try {
    const [grant] = await client.subscribeAsync(filter, { qos });
    return grant?.qos ?? -1;
  } catch (err) {
    const granted = (err as { packet?: { granted?: unknown[] } }).packet?.granted;
    return typeof granted?.[0] === "number" ? granted[0] : -1;
  }
}
