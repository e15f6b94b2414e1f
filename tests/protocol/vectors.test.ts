// The protocol test vectors in docs/protocol.md: Node, the XS engine and cbor-x must agree on
// every byte, and the gateway must accept each frame.

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Decoder } from "cbor-x";
import { MAX_AIR_FRAME, PROTOCOL_VERSION, type MessageTypeName } from "../../shared/messages.js";
import { MessageType } from "../../shared/roles/catalog.js";
import { MIC_BYTES, type AnyEnvelope } from "../../shared/envelope.js";
import { Registry } from "../../gateway/registry/registry.js";
import { ReplayWindows } from "../../gateway/pipeline/replay-window.js";
import { verifyFrame } from "../../gateway/pipeline/verify.js";
import { startXs, type XsSession } from "../xs/harness.js";
import * as onNode from "./fixtures/envelope-entry.js";
import vectors from "./vectors.json" with { type: "json" };

interface Vector { name: string; key: string; envelope: AnyEnvelope; hex: string; bytes: number }
const VECTORS = vectors as unknown as Vector[];
const ENTRY = new URL("./fixtures/envelope-entry.ts", import.meta.url).pathname;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const doc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

describe("protocol v1 test vectors", () => {
  let xs: XsSession;
  beforeAll(async () => {
    xs = await startXs(ENTRY, { name: "envelope-vectors" });
  });
  afterAll(async () => {
    await xs?.close();
  });

  it("covers every message type, typical and worst case", () => {
    const types = new Set(VECTORS.map((v) => v.envelope.type));
    expect([...types].sort()).toEqual((Object.keys(MessageType) as MessageTypeName[]).sort());
    expect(VECTORS.length).toBe(2 * types.size);
  });

  for (const v of VECTORS) {
    describe(v.name, () => {
      it("Node encodes it byte for byte", () => {
        expect(hex(onNode.encodeVector(v.envelope, v.key))).toBe(v.hex);
        expect(v.hex.length / 2).toBe(v.bytes);
      });

      it("the XS engine encodes the same bytes and opens them", async () => {
        const { value } = await xs.call<Uint8Array>("encodeVector", v.envelope, v.key);
        expect(hex(value)).toBe(v.hex);
        const opened = await xs.call<{ micOk: boolean; envelope: AnyEnvelope }>("openVector", Uint8Array.from(Buffer.from(v.hex, "hex")), v.key);
        expect(opened.value.micOk).toBe(true);
        expect(opened.value.envelope).toEqual(v.envelope);
      });

      it("cbor-x reads the envelope the gateway way", () => {
        const frame = Buffer.from(v.hex, "hex");
        const decoded = new Decoder({ mapsAsObjects: false, useRecords: false }).decode(frame.subarray(0, frame.length - MIC_BYTES)) as unknown[];
        expect(decoded.slice(0, 6)).toEqual([
          PROTOCOL_VERSION, v.envelope.deviceId, v.envelope.boot, v.envelope.seq, MessageType[v.envelope.type], v.envelope.timeS,
        ]);
        expect(decoded[6]).toBeInstanceOf(Map);
      });

      it("the gateway verifies the frame with the device key", () => {
        const registry = new Registry([{
          id: v.envelope.deviceId, role: "loop", key: v.key, site: "vectors", name: "vector device", location: { lat: 0, lon: 0 },
        }]);
        const { envelope, verdict } = verifyFrame(Buffer.from(v.hex, "hex"), registry, new ReplayWindows());
        expect(verdict).toBe("fresh");
        expect(envelope).toEqual(v.envelope);
      });

      it("is written down in docs/protocol.md with its size", () => {
        expect(doc).toContain(v.hex);
        expect(doc).toMatch(new RegExp(`${v.name.replace(/[()]/g, "\\$&")}.*\\b${v.bytes} bytes`));
      });

      if (v.envelope.type !== "ack") {
        it(`fits a ${MAX_AIR_FRAME}-byte LoRa payload (AS923 DR2)`, () => {
          expect(v.bytes).toBeLessThanOrEqual(MAX_AIR_FRAME);
        });
      }
    });
  }
});
