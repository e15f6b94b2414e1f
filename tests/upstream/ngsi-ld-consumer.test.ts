// The NGSI-LD sender through the abstract outbox consumer suite, against a real HTTP server that
// checks each request by the NGSI-LD API's rules (tests/support/ngsi-ld-broker.ts).

import { expect } from "vitest";
import { createLogger } from "../../gateway/log.js";
import { DEFAULT_CONTEXT } from "../../gateway/upstream/ngsi-ld-entity.js";
import { NgsiLdSender } from "../../gateway/upstream/ngsi-ld.js";
import { freePort } from "../support/mosquitto.js";
import { NgsiLdBroker } from "../support/ngsi-ld-broker.js";
import { outboxConsumerSuite } from "./outbox-consumer-suite.js";

const BATCH = 10;

outboxConsumerSuite("ngsiLd", async () => {
  const broker = new NgsiLdBroker(await freePort(), { context: DEFAULT_CONTEXT });
  await broker.start();
  return {
    create: (cursor) => new NgsiLdSender({ url: broker.url, batchSize: BATCH, retryMinMs: 20, retryMaxMs: 200, pollMs: 100 }, cursor, createLogger("silent")),
    received: () => broker.accepted.map((e) => (e.n as { value: number }).value),
    resendBound: BATCH,
    cut: () => broker.stop(),
    restore: () => broker.start(),
    close: async () => {
      expect(broker.violations).toEqual([]);
      await broker.stop();
    },
  };
});
