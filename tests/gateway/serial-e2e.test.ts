import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SerialPort } from "serialport";
import { MIC_BYTES, parseEnvelope, splitFrame, micMatches, openEnvelope } from "../../shared/envelope.js";
import { decode } from "../../shared/cbor.js";
import { slipEncode, SlipDecoder } from "../../shared/slip.js";
import type { Gateway } from "../../gateway/gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { outputValidator } from "../../gateway/normalize/schemas.js";
import type { Kind } from "../../gateway/normalize/index.js";
import type { SerialLink } from "../../gateway/ingest/serial-link.js";
import { KEYS, keyBytes } from "../support/fleet.js";
import { collect, waitFor } from "../support/mqtt.js";
import { expectOfficialModels } from "../support/fiware.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { hasSocat, ptyPair, type PtyPair } from "../support/socat.js";

describe.skipIf(!hasSocat)("serial end to end over a socat PTY pair", () => {
  let pty: PtyPair;
  let gateway: Gateway;
  let sub: Awaited<ReturnType<typeof collect>>;
  let port: SerialPort;
  const acks: unknown[] = [];

  const openDevicePort = async (path: string) => {
    const p = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => p.open((e) => (e ? rej(e) : res())));
    const deframer = new SlipDecoder((frame) => {
      const split = splitFrame(frame);
      const raw = parseEnvelope(decode(split.signed));
      const key = { 101: KEYS.loop, 102: KEYS.sign, 103: KEYS.flood }[raw.deviceId] ?? KEYS.stranger;
      acks.push({ ...openEnvelope(raw), micOk: micMatches(keyBytes(key), split) });
    }, () => undefined);
    p.on("data", (chunk: Buffer) => deframer.push(chunk));
    return p;
  };
  const write = (bytes: Uint8Array) => new Promise<void>((res, rej) => port.write(Buffer.from(bytes), (e) => (e ? rej(e) : port.drain(() => res()))));

  beforeAll(async () => {
    pty = await ptyPair();
    gateway = await startTestGateway({ serial: [{ path: pty.gateway }] });
    sub = await collect(`mqtt://127.0.0.1:${gateway.broker.port}`);
    port = await openDevicePort(pty.device);
    await waitFor("gateway port open", () => (gateway.links.get(pty.gateway) as SerialLink).state === "open");
  });

  afterAll(async () => {
    if (port?.isOpen) await new Promise((r) => port.close(r));
    await sub?.client.endAsync();
    await gateway?.stop();
    await pty?.close();
  });

  it("delivers good frames around garbage, bad MICs, replays, truncated CBOR and oversize frames", async () => {
    const loop = new ScriptedDevice(101, KEYS.loop);
    const flood = new ScriptedDevice(103, KEYS.flood);
    const before = { ...gateway.pipeline.counts };
    const good1 = loop.frame("loopInterval", SAMPLE_BODIES.loopInterval);
    const good2 = flood.frame("floodReport", SAMPLE_BODIES.floodReport);
    const good3 = loop.frame("loopInterval", { ...SAMPLE_BODIES.loopInterval, lane: 1 });
    const badMic = loop.frame("status", SAMPLE_BODIES.status);
    badMic[badMic.length - 2]! ^= 0xff;
    const truncated = good2.subarray(0, 12);
    const stream = [
      Uint8Array.of(0x13, 0x37, 0x00, 0xc0, 0xde, 0xad, 0xbe, 0xef), // line noise, then a junk "frame"
      slipEncode(good1),
      slipEncode(badMic),
      slipEncode(good2),
      slipEncode(good1), // replayed seq
      slipEncode(Uint8Array.of(...truncated, 0, 0, 0, 0)),
      slipEncode(new Uint8Array(600).fill(0x42)), // oversize SLIP frame
      Uint8Array.of(0xc0, 0xdb, 0x01, 0xc0), // bad SLIP escape
      slipEncode(good3),
    ];
    // written in odd-sized chunks, as a UART delivers them
    const all = Uint8Array.from(stream.flatMap((s) => [...s]));
    for (let i = 0; i < all.length; i += 37) await write(all.subarray(i, i + 37));

    await waitFor("three readings", () => sub.messages.filter((m) => !m.topic.endsWith("/status")).length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    const readings = sub.messages.filter((m) => !m.topic.endsWith("/status"));
    expect(readings.map((m) => m.topic)).toEqual([
      "pantau/v1/smg-pemuda-01/101/traffic",
      "pantau/v1/smg-kali-semarang-02/103/flood",
      "pantau/v1/smg-pemuda-01/101/traffic",
    ]);
    for (const m of readings) {
      const kind = m.topic.split("/").pop() as Kind;
      expect(outputValidator(kind)(m.payload), JSON.stringify(outputValidator(kind).errors)).toBe(true);
    }
    const delta = (k: keyof typeof before) => gateway.pipeline.counts[k] - before[k];
    expect(delta("accepted")).toBe(3);
    expect(delta("mic")).toBe(1);
    expect(delta("replay")).toBe(1);
    expect(delta("cbor")).toBe(1); // truncated CBOR
    expect(delta("framing")).toBe(4); // two short junk frames, an oversize frame, a bad escape

    // the loop unit got signed acks for both its frames and for the replay (as a duplicate)
    await waitFor("acks", () => acks.length >= 4);
    // a resend is answered at once, a fresh frame after its publish, so sort before comparing
    // a resend is answered at once, a fresh frame after its publish: compare as a set
    const seen = (acks as { deviceId: number; micOk: boolean; body: { seq: number; result: number } }[])
      .map((a) => `${a.deviceId}:${a.body.seq}:${a.body.result}:${a.micOk}`)
      .sort();
    expect(seen).toEqual(["101:0:0:true", "101:0:1:true", "101:1:0:true", "103:0:0:true"]);
    expect(MIC_BYTES).toBe(4);
  });

  it("reopens a port that vanished and came back, and keeps delivering", async () => {
    const link = gateway.links.get(pty.gateway) as SerialLink;
    await new Promise((r) => port.close(r));
    await pty.close();
    await waitFor("link notices the port is gone", () => link.state !== "open");
    const dir = pty.gateway.slice(0, pty.gateway.lastIndexOf("/"));
    pty = await ptyPair(dir);
    port = await openDevicePort(pty.device);
    await waitFor("link reopened", () => link.state === "open", 15_000);
    const sign = new ScriptedDevice(102, KEYS.sign);
    sign.boot = 5;
    await write(slipEncode(sign.frame("signStats", SAMPLE_BODIES.signStats)));
    await waitFor("speed after reconnect", () => sub.messages.find((m) => m.topic.endsWith("/102/speed")));
  });

  it("published only messages that follow their official Smart Data Models", () => {
    expectOfficialModels("serial end to end", sub.messages);
  });
});
