// The MQTT sender through the abstract outbox consumer suite, against a real Mosquitto.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../gateway/log.js";
import { MqttSender } from "../../gateway/upstream/mqtt-sender.js";
import { freePort, Mosquitto } from "../support/mosquitto.js";
import { waitFor } from "../support/mqtt.js";
import { commandCenter } from "./command-center.js";
import { TcpGate } from "./gate.js";
import { outboxConsumerSuite } from "./outbox-consumer-suite.js";

const WINDOW = 10;

outboxConsumerSuite("mqtt", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pantau-mqtt-consumer-"));
  const port = await freePort();
  const broker = new Mosquitto(port, dir);
  await broker.start();
  // the path to the broker: shut during a cut, so the command center is back before the sender
  const gate = new TcpGate(port);
  await gate.start();
  const cc = await commandCenter(`mqtt://127.0.0.1:${port}`);
  const clientId = `pantau-consumer-${process.pid}-${port}`;
  return {
    create: (cursor) => new MqttSender({ url: `mqtt://127.0.0.1:${gate.port}`, clientId, window: WINDOW, reconnectMs: 100, pollMs: 100 }, cursor, createLogger("silent")),
    received: () => cc.got.map((d) => d.n),
    resendBound: WINDOW,
    cut: async () => {
      gate.open = false;
      await broker.stop();
    },
    restore: async () => {
      const restartedAt = Date.now();
      await broker.start();
      await waitFor("command center resubscribed", () => cc.subscribedAt() > restartedAt);
      gate.open = true;
    },
    close: async () => {
      await cc.client.endAsync(true);
      await gate.close();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
