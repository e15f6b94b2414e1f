import type { Logger } from "../log.js";
import type { OutboxCursor } from "../store/outbox.js";
import type { OutboxConsumer } from "./consumer.js";
import type { MqttSenderOptions } from "./mqtt-sender.js";
import mqttSenderSchema from "./mqtt-sender.schema.json" with { type: "json" };
import type { NgsiLdOptions } from "./ngsi-ld.js";
import ngsiLdSchema from "./ngsi-ld.schema.json" with { type: "json" };

type Create<Options> = (options: Options, cursor: OutboxCursor, log: Logger) => OutboxConsumer;

/**
 * One kind of upstream sender: the options its config entry takes (a JSON Schema with an $id),
 * and its code, loaded only when the config has one (a gateway without an MQTT upstream does not
 * load the MQTT client at start).
 */
export interface SenderKind<Options> {
  schema: { $id: string };
  load(): Promise<Create<Options>>;
}

const kind = <Options>(k: SenderKind<Options>): SenderKind<Options> => k;

/**
 * Every kind of upstream sender, by its key under `upstream` in the config, which is also the
 * name of its cursor in the outbox. A new kind is its own file and one line here.
 */
export const SENDER_KINDS = {
  mqtt: kind<MqttSenderOptions>({
    schema: mqttSenderSchema,
    load: async () => {
      const { MqttSender } = await import("./mqtt-sender.js");
      return (o, cursor, log) => new MqttSender(o, cursor, log);
    },
  }),
  ngsiLd: kind<NgsiLdOptions>({
    schema: ngsiLdSchema,
    load: async () => {
      const { NgsiLdSender } = await import("./ngsi-ld.js");
      return (o, cursor, log) => new NgsiLdSender(o, cursor, log);
    },
  }),
};

export type SenderName = keyof typeof SENDER_KINDS;

/** The config's `upstream`: each configured sender's options under its kind's key. */
export type UpstreamConfig = { [K in SenderName]?: (typeof SENDER_KINDS)[K] extends SenderKind<infer O> ? O : never };

/** What the senders need of the store: their names declared, and each its own cursor. */
export interface SenderOutbox {
  outboxConsumers(names: readonly string[]): { added: string[]; removed: string[] };
  outboxCursor(name: string): OutboxCursor;
}

/** The configured senders' kinds, their code loaded, in config order. */
export type LoadedSenders = Array<{ name: SenderName; create: Create<unknown> }>;

export async function loadSenders(config: UpstreamConfig): Promise<LoadedSenders> {
  const names = (Object.keys(config) as SenderName[]).filter((name) => config[name] !== undefined);
  return Promise.all(names.map(async (name) => ({ name, create: await (SENDER_KINDS[name] as SenderKind<unknown>).load() })));
}

/** The configured senders, in config order, each on its own cursor; a sender no longer configured stops holding the outbox back. */
export function createSenders(config: UpstreamConfig, kinds: LoadedSenders, outbox: SenderOutbox, log: Logger): OutboxConsumer[] {
  const { removed } = outbox.outboxConsumers(kinds.map((k) => k.name));
  if (removed.length) log.warn({ removed }, "upstream senders no longer configured: their place in the outbox is forgotten");
  return kinds.map(({ name, create }) => create(config[name], outbox.outboxCursor(name), log));
}
