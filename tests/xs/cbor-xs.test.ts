// shared/cbor.ts on the real XS engine must produce and accept exactly what it does on Node.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as onNode from "./fixtures/cbor-entry.js";
import { startXs, type XsSession } from "./harness.js";
import { decodeVectors } from "../shared/rfc8949-vectors.js";

const ENTRY = new URL("./fixtures/cbor-entry.ts", import.meta.url).pathname;

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));

const values: [string, unknown][] = [
  // Integers at every head width, both signs, on each side of each boundary.
  ...[0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1].flatMap(
    (n): [string, unknown][] => [[`int ${n}`, n], [`int ${-n - 1}`, -n - 1]],
  ),
  ["int -(2^53-1)", -(2 ** 53 - 1)],
  // Floats in half, single and double precision, and the special values.
  ...[0.5, 1.5, -4.1, 65504, 5.960464477539063e-8, 100000.5, 3.4028234663852886e38, 1.1, 1e300, Math.PI, 1 / 3].map(
    (x): [string, unknown] => [`float ${x}`, x],
  ),
  ["float -0", -0],
  ["float NaN", NaN],
  ["float Infinity", Infinity],
  ["float -Infinity", -Infinity],
  ["string empty", ""],
  ["string ASCII", "IETF \"quoted\" \\ slash"],
  ["string 2-byte UTF-8", "ü é ñ"],
  ["string 3-byte UTF-8", "水 ☃ €"],
  ["string 4-byte UTF-8", "😀 𐅑"],
  ["string 300 chars", "pantau-".repeat(43)],
  ["bytes empty", new Uint8Array(0)],
  ["bytes 256", Uint8Array.from({ length: 256 }, (_, i) => 255 - i)],
  ["simple values", [true, false, null, undefined]],
  ["array empty", []],
  ["array nested", [1, [2, 3], [4, [5, [6, []]]]]],
  ["array of 25", Array.from({ length: 25 }, (_, i) => i * 1000)],
  ["map int keys", new Map([[1, 2], [3, 4]])],
  ["map keys out of order, negative", new Map<number, unknown>([[10, "ten"], [-1, "minus one"], [0, 0], [-24, [1]], [24, null]])],
  ["map mixed keys", new Map<unknown, unknown>([["b", 1], [100, 2], ["a", 3], [-100, 4]])],
  ["map of 30 entries", new Map(Array.from({ length: 30 }, (_, i) => [29 - i, i * i]))],
  ["map nested", new Map<number, unknown>([[0, new Map([[1, new Uint8Array([1, 2])]])], [1, [new Map([[2, -2.5]])]]])],
  ["plain object", { device: "pantau-07", v: 1, readings: [12, -3, 40.25] }],
  ["report-like body", new Map<number, unknown>([[0, 1], [1, 0x0a0b0c0d], [2, 17], [3, 4242], [4, [[1, 12, 3, 550], [2, 9, 2, 612]]]])],
];

const malformed = [
  "18", "1c", "0000", "a201020103", "62c328", "5affffffff00", `${"81".repeat(17)}00`, "ff", "9f01", "f0",
  "1bffffffffffffffff", "7f01ff", "5f6161ff",
];

describe("shared/cbor.ts on XS", () => {
  let xs: XsSession;

  beforeAll(async () => {
    xs = await startXs(ENTRY, { name: "cbor" });
  });

  afterAll(async () => {
    await xs?.close();
  });

  describe("encodes byte for byte as on Node, and decodes back to equal values", () => {
    it.each(values)("%s", async (_label, value) => {
      const { value: onXs } = await xs.call<Uint8Array>("encodeValue", value);
      const expected = onNode.encodeValue(value);
      expect(hex(onXs)).toBe(hex(expected));

      const { value: decodedOnXs } = await xs.call("decodeBytes", onXs);
      expect(decodedOnXs).toStrictEqual(onNode.decodeBytes(expected));
    });

    it("decodes non-object values to the very value encoded", async () => {
      for (const [label, value] of values) {
        if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) continue;
        const { value: decoded } = await xs.call("decodeBytes", onNode.encodeValue(value));
        expect(decoded, label).toStrictEqual(value);
      }
    });
  });

  it("re-encodes every RFC 8949 Appendix A vector as Node does, tags included", async () => {
    expect(decodeVectors.length).toBeGreaterThan(50);
    for (const { hex: vector } of decodeVectors) {
      const { value: onXs } = await xs.call<Uint8Array>("roundTrip", fromHex(vector));
      expect(hex(onXs), vector).toBe(hex(onNode.roundTrip(fromHex(vector))));
    }
  });

  it("rejects malformed input with the same error code as on Node", async () => {
    for (const input of malformed) {
      const expected = onNode.rejectionOf(fromHex(input));
      expect(expected, input).not.toBe("accepted");
      const { value: onXs } = await xs.call("rejectionOf", fromHex(input));
      expect(onXs, input).toBe(expected);
    }
  });

  it("keeps the live heap flat over 500 encode/decode round trips", async () => {
    const body = values.at(-1)![1];
    await xs.call("encodeValue", body);
    const before = await xs.gc();
    for (let i = 0; i < 500; i++) {
      const { value: bytes } = await xs.call<Uint8Array>("encodeValue", body);
      await xs.call("decodeBytes", bytes);
    }
    const after = await xs.gc();
    expect(after.currentHeapCount - before.currentHeapCount).toBe(0);
  });
});
