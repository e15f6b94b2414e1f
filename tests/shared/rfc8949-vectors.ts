// RFC 8949 Appendix A examples, as our codec represents them: maps as Map, tags as Tagged.
// `deterministic` marks the hex that core deterministic encoding (§4.2.1) produces for `value`,
// so encode(value) must give exactly that hex.

import { Tagged } from "../../shared/cbor.js";

export interface DecodeVector {
  hex: string;
  value: unknown;
  deterministic?: true;
}

export interface RejectVector {
  hex: string;
  code: string;
  why: string;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const map = (...entries: [unknown, unknown][]): Map<unknown, unknown> => new Map(entries);

export const decodeVectors: DecodeVector[] = [
  // Integers
  { hex: "00", value: 0, deterministic: true },
  { hex: "01", value: 1, deterministic: true },
  { hex: "0a", value: 10, deterministic: true },
  { hex: "17", value: 23, deterministic: true },
  { hex: "1818", value: 24, deterministic: true },
  { hex: "1819", value: 25, deterministic: true },
  { hex: "1864", value: 100, deterministic: true },
  { hex: "1903e8", value: 1000, deterministic: true },
  { hex: "1a000f4240", value: 1000000, deterministic: true },
  { hex: "1b000000e8d4a51000", value: 1000000000000, deterministic: true },
  { hex: "c249010000000000000000", value: new Tagged(2, bytes(1, 0, 0, 0, 0, 0, 0, 0, 0)), deterministic: true },
  { hex: "c349010000000000000000", value: new Tagged(3, bytes(1, 0, 0, 0, 0, 0, 0, 0, 0)), deterministic: true },
  { hex: "20", value: -1, deterministic: true },
  { hex: "29", value: -10, deterministic: true },
  { hex: "3863", value: -100, deterministic: true },
  { hex: "3903e7", value: -1000, deterministic: true },
  // Floats; integral values (0.0, 1.0, -4.0, ...) encode deterministically as integers instead.
  { hex: "f90000", value: 0 },
  { hex: "f98000", value: -0, deterministic: true },
  { hex: "f93c00", value: 1 },
  { hex: "fb3ff199999999999a", value: 1.1, deterministic: true },
  { hex: "f93e00", value: 1.5, deterministic: true },
  { hex: "f97bff", value: 65504 },
  { hex: "fa47c35000", value: 100000 },
  { hex: "fa7f7fffff", value: 3.4028234663852886e38, deterministic: true },
  { hex: "fb7e37e43c8800759c", value: 1.0e300, deterministic: true },
  { hex: "f90001", value: 5.960464477539063e-8, deterministic: true },
  { hex: "f90400", value: 0.00006103515625, deterministic: true },
  { hex: "f9c400", value: -4 },
  { hex: "fbc010666666666666", value: -4.1, deterministic: true },
  { hex: "f97c00", value: Infinity, deterministic: true },
  { hex: "f97e00", value: NaN, deterministic: true },
  { hex: "f9fc00", value: -Infinity, deterministic: true },
  { hex: "fa7f800000", value: Infinity },
  { hex: "fa7fc00000", value: NaN },
  { hex: "faff800000", value: -Infinity },
  { hex: "fb7ff0000000000000", value: Infinity },
  { hex: "fb7ff8000000000000", value: NaN },
  { hex: "fbfff0000000000000", value: -Infinity },
  // Simple values
  { hex: "f4", value: false, deterministic: true },
  { hex: "f5", value: true, deterministic: true },
  { hex: "f6", value: null, deterministic: true },
  { hex: "f7", value: undefined, deterministic: true },
  // Tags
  {
    hex: "c074323031332d30332d32315432303a30343a30305a",
    value: new Tagged(0, "2013-03-21T20:04:00Z"),
    deterministic: true,
  },
  { hex: "c11a514b67b0", value: new Tagged(1, 1363896240), deterministic: true },
  { hex: "c1fb41d452d9ec200000", value: new Tagged(1, 1363896240.5), deterministic: true },
  { hex: "d74401020304", value: new Tagged(23, bytes(1, 2, 3, 4)), deterministic: true },
  { hex: "d818456449455446", value: new Tagged(24, bytes(0x64, 0x49, 0x45, 0x54, 0x46)), deterministic: true },
  {
    hex: "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
    value: new Tagged(32, "http://www.example.com"),
    deterministic: true,
  },
  // Byte and text strings
  { hex: "40", value: bytes(), deterministic: true },
  { hex: "4401020304", value: bytes(1, 2, 3, 4), deterministic: true },
  { hex: "60", value: "", deterministic: true },
  { hex: "6161", value: "a", deterministic: true },
  { hex: "6449455446", value: "IETF", deterministic: true },
  { hex: "62225c", value: "\"\\", deterministic: true },
  { hex: "62c3bc", value: "\u00fc", deterministic: true },
  { hex: "63e6b0b4", value: "\u6c34", deterministic: true },
  { hex: "64f0908591", value: "\ud800\udd51", deterministic: true },
  // Arrays and maps
  { hex: "80", value: [], deterministic: true },
  { hex: "83010203", value: [1, 2, 3], deterministic: true },
  { hex: "8301820203820405", value: [1, [2, 3], [4, 5]], deterministic: true },
  { hex: "98190102030405060708090a0b0c0d0e0f101112131415161718181819", value: range(1, 25), deterministic: true },
  { hex: "a0", value: map(), deterministic: true },
  { hex: "a201020304", value: map([1, 2], [3, 4]), deterministic: true },
  { hex: "a26161016162820203", value: map(["a", 1], ["b", [2, 3]]), deterministic: true },
  { hex: "826161a161626163", value: ["a", map(["b", "c"])], deterministic: true },
  {
    hex: "a56161614161626142616361436164614461656145",
    value: map(["a", "A"], ["b", "B"], ["c", "C"], ["d", "D"], ["e", "E"]),
    deterministic: true,
  },
  // Indefinite-length items (never produced by deterministic encoding)
  { hex: "5f42010243030405ff", value: bytes(1, 2, 3, 4, 5) },
  { hex: "7f657374726561646d696e67ff", value: "streaming" },
  { hex: "9fff", value: [] },
  { hex: "9f018202039f0405ffff", value: [1, [2, 3], [4, 5]] },
  { hex: "9f01820203820405ff", value: [1, [2, 3], [4, 5]] },
  { hex: "83018202039f0405ff", value: [1, [2, 3], [4, 5]] },
  { hex: "83019f0203ff820405", value: [1, [2, 3], [4, 5]] },
  { hex: "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", value: range(1, 25) },
  { hex: "bf61610161629f0203ffff", value: map(["a", 1], ["b", [2, 3]]) },
  { hex: "826161bf61626163ff", value: ["a", map(["b", "c"])] },
  { hex: "bf6346756ef563416d7421ff", value: map(["Fun", true], ["Amt", -2]) },
];

/** Appendix A items that are well-formed but that a number-only codec must refuse. */
export const unsupportedVectors: RejectVector[] = [
  { hex: "1bffffffffffffffff", code: "unsupported", why: "18446744073709551615 exceeds 2^53-1" },
  { hex: "3bffffffffffffffff", code: "unsupported", why: "-18446744073709551616 exceeds -(2^53-1)" },
  { hex: "f0", code: "unsupported", why: "simple(16)" },
  { hex: "f8ff", code: "unsupported", why: "simple(255)" },
];
