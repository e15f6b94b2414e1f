// Commissioning through the gateway: the unit's normalized messages on the gateway's MQTT broker,
// its retained status first.

import mqtt from "mqtt";
import { CliError } from "../cli/errors.js";
import type { FleetFiles } from "../field/fleet-files.js";
import { TOPIC_ROOT } from "../publish/publisher.js";
import type { DeviceEntry } from "../registry/registry.js";
import { CommissionSession } from "./session.js";

export interface MqttOptions {
  url: string;
  username?: string;
  password?: string;
}

type Payload = Record<string, unknown>;

export async function connectMqtt(o: MqttOptions): Promise<mqtt.MqttClient> {
  try {
    return await mqtt.connectAsync(o.url, { reconnectPeriod: 0, connectTimeout: 5000, ...(o.username ? { username: o.username, password: o.password } : {}) });
  } catch (err) {
    throw new CliError(`cannot reach the gateway's MQTT broker at ${o.url}: ${(err as Error).message}`,
      "check --mqtt (and --user with PANTAU_MQTT_PASSWORD); a gateway outside demo mode needs a user");
  }
}

/** kind of a topic pantau/v1/<site>/<id>/<kind>[/...], or undefined for commands and their results */
export function kindOf(topic: string): string | undefined {
  const kind = topic.split("/")[4];
  return kind === "command" ? undefined : kind;
}

export async function commissionViaMqtt(id: number, o: MqttOptions, files: FleetFiles, waitMs = 10_000): Promise<{ session: CommissionSession; close(): Promise<void> }> {
  const client = await connectMqtt(o);
  const first: Array<[string, Payload]> = [];
  let session: CommissionSession | undefined;
  client.on("message", (topic, raw) => {
    const kind = kindOf(topic);
    if (!kind) return;
    let payload: Payload;
    try {
      payload = JSON.parse(raw.toString()) as Payload;
    } catch {
      return;
    }
    if (session) session.add(kind, payload);
    else first.push([kind, payload]);
  });
  await client.subscribeAsync(`${TOPIC_ROOT}/+/${id}/#`, { qos: 1 });
  const deadline = Date.now() + waitMs;
  while (first.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (first.length === 0) {
    await client.endAsync();
    throw new CliError(`nothing about unit ${id} on ${o.url} within ${waitMs / 1000} s`, "check the id (pantau fleet list) and that the gateway hears the unit");
  }
  const { key: _k, ...known } = files.entry(id) ?? entryFrom(id, first.map(([, p]) => p));
  session = new CommissionSession(known, o.url);
  for (const [kind, payload] of first) session.add(kind, payload);
  return { session, close: () => client.endAsync() };
}

/** Without the registry at hand, what the gateway's messages tell of the unit. */
function entryFrom(id: number, payloads: Payload[]): DeviceEntry {
  const any = payloads[0]!;
  const flood = payloads.find((p) => p.type === "FloodMonitoring");
  const status = payloads.find((p) => p.type === "Device");
  const [lon, lat] = ((any.location as { coordinates?: number[] } | undefined)?.coordinates ?? [0, 0]) as [number, number];
  return {
    id, role: (status?.role ?? (flood ? "flood" : "loop")) as DeviceEntry["role"], site: String(any.siteId), name: String(any.deviceName ?? id), location: { lat, lon },
    ...(flood && typeof flood.alertLevel === "number" ? { flood: { referenceLevelM: Number(flood.referenceLevel), alertLevelM: flood.alertLevel, dangerLevelM: Number(flood.dangerLevel) } } : {}),
  };
}
