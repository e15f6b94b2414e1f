import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../gateway/log.js";
import { startListeners } from "../../gateway/security/listeners.js";
import { freePort } from "../support/mosquitto.js";
import { waitFor } from "../support/mqtt.js";
import { connackCode, connect, grantedQos, PASSWORDS, record, startSecureBroker, testUsers, type SecureBroker } from "./broker.js";

const dir = mkdtempSync(join(tmpdir(), "pantau-tls-"));
const keyFile = join(dir, "key.pem");
const certFile = join(dir, "cert.pem");

/** A throwaway self-signed certificate for 127.0.0.1, made by the openssl CLI. */
function makeCertificate(): void {
  const made = spawnSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=pantau-test",
    "-addext", "subjectAltName=IP:127.0.0.1",
  ], { encoding: "utf8" });
  if (made.error || made.status !== 0) {
    throw new Error(`openssl is required for the TLS listener test (apt-get install openssl): ${made.error?.message ?? made.stderr}`);
  }
}

let broker: SecureBroker;
beforeAll(async () => {
  makeCertificate();
  broker = await startSecureBroker(
    { users: await testUsers(), tls: { port: 0, keyFile, certFile }, ws: { port: 0 } },
    { demo: true },
  );
});

afterAll(async () => {
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Subscribes on one client and publishes a command on another; resolves when it arrives. */
async function roundTrip(publisher: MqttClient, subscriber: MqttClient): Promise<void> {
  const seen = record(subscriber);
  expect(await grantedQos(subscriber, "pantau/v1/#")).toBe(1);
  const payload = `hello-${Math.random()}`;
  await publisher.publishAsync("pantau/v1/site/9/command", payload, { qos: 1 });
  await waitFor("command across listeners", () => seen.find((m) => m.payload === payload));
}

describe("TLS listener", () => {
  const url = () => `mqtts://127.0.0.1:${broker.listeners.ports.tls}`;

  it("carries authenticated MQTT to and from the plain TCP listener", async () => {
    const ca = readFileSync(certFile);
    const overTls = await connect(url(), { username: "center", password: PASSWORDS.center, ca, rejectUnauthorized: true });
    const overTcp = await connect(broker.url, { username: "crew", password: PASSWORDS.crew });
    await roundTrip(overTls, overTcp);
    await Promise.all([overTls.endAsync(), overTcp.endAsync()]);
  });

  it("is really TLS: a client that does not trust the certificate cannot connect", async () => {
    await expect(connect(url(), { username: "center", password: PASSWORDS.center, rejectUnauthorized: true })).rejects.toThrow(
      /self[- ]signed/i,
    );
  });

  it("applies the same authentication", async () => {
    expect(await connackCode(url(), { username: "center", password: "wrong", ca: readFileSync(certFile) })).toBe(4);
  });
});

describe("WebSocket listener", () => {
  const url = () => `ws://127.0.0.1:${broker.listeners.ports.ws}/mqtt`;

  it("carries authenticated MQTT over ws://", async () => {
    const overWs = await connect(url(), { username: "center", password: PASSWORDS.center });
    const overTcp = await connect(broker.url, { username: "center", password: PASSWORDS.center });
    await roundTrip(overTcp, overWs);
    await Promise.all([overWs.endAsync(), overTcp.endAsync()]);
  });

  it("sees the peer address through the HTTP request: anonymous demo access from loopback works", async () => {
    expect(await connackCode(url())).toBe(0);
    expect(await connackCode(url(), { username: "crew", password: "wrong" })).toBe(4);
  });

  it("answers plain HTTP with 426 Upgrade Required", async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(`http://127.0.0.1:${broker.listeners.ports.ws}/mqtt`, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on("error", reject);
    });
    expect(status).toBe(426);
  });
});

describe("startListeners", () => {
  it("reports a missing TLS file clearly and releases the ports it had bound", async () => {
    const port = await freePort();
    const aedes = await Aedes.createBroker();
    const config = { host: "127.0.0.1", port, tls: { port: 0, keyFile: join(dir, "missing.pem"), certFile } };
    await expect(startListeners(aedes, config, createLogger("silent"))).rejects.toThrow(/MQTT TLS key file .*missing\.pem/);
    const again = await startListeners(aedes, { host: "127.0.0.1", port }, createLogger("silent"));
    expect(again.ports.tcp).toBe(port);
    await again.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  });
});
