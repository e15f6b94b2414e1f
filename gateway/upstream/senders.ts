import type { Logger } from "../log.js";
import type { OutboxCursor } from "../store/outbox.js";
import type { OutboxConsumer } from "./consumer.js";
import { MqttSender, type MqttSenderOptions } from "./mqtt-sender.js";
import mqttSenderSchema from "./mqtt-sender.schema.json" with { type: "json" };
import { NgsiLdSender, type NgsiLdOptions } from "./ngsi-ld.js";
import ngsiLdSchema from "./ngsi-ld.schema.json" with { type: "json" };

/** One kind of upstream sender: the options its config entry takes (a JSON Schema with an $id), and how to make one. */
export interface SenderKind<Options> {
  schema: { $id: string };
  create(options: Options, cursor: OutboxCursor, log: Logger): OutboxConsumer;
}

const kind = <Options>(k: SenderKind<Options>): SenderKind<Options> => k;

/**
 * Every kind of upstream sender, by its key under `upstream` in the config, which is also the
 * name of its cursor in the outbox. A new kind is its own file and one line here.
 */
export const SENDER_KINDS = {
  mqtt: kind<MqttSenderOptions>({ schema: mqttSenderSchema, create: (o, cursor, log) => new MqttSender(o, cursor, log) }),
  ngsiLd: kind<NgsiLdOptions>({ schema: ngsiLdSchema, create: (o, cursor, log) => new NgsiLdSender(o, cursor, log) }),
};

export type SenderName = keyof typeof SENDER_KINDS;

/** The config's `upstream`: each configured sender's options under its kind's key. */
export type UpstreamConfig = { [K in SenderName]?: (typeof SENDER_KINDS)[K] extends SenderKind<infer O> ? O : never };

/** What the senders need of the store: their names declared, and each its own cursor. */
export interface SenderOutbox {
  outboxConsumers(names: readonly string[]): { added: string[]; removed: string[] };
  outboxCursor(name: string): OutboxCursor;
}

/** The configured senders, in config order, each on its own cursor; a sender no longer configured stops holding the outbox back. */
export function createSenders(config: UpstreamConfig, outbox: SenderOutbox, log: Logger): OutboxConsumer[] {
  const names = (Object.keys(config) as SenderName[]).filter((name) => config[name] !== undefined);
  const { removed } = outbox.outboxConsumers(names);
  if (removed.length) log.warn({ removed }, "upstream senders no longer configured: their place in the outbox is forgotten");
  return names.map((name) => (SENDER_KINDS[name] as SenderKind<unknown>).create(config[name], outbox.outboxCursor(name), log));
}
