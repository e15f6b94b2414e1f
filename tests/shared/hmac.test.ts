import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256, timingSafeEqual } from "../../shared/hmac.js";
import { sha256 } from "../../shared/sha256.js";
import { mulberry32 as prng } from "../../firmware/sim/random.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const fill = (byte: number, n: number): Uint8Array => new Uint8Array(n).fill(byte);

const randomBytes = (rnd: () => number, n: number): Uint8Array =>
  Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));

describe("sha256 (FIPS 180-4 / NIST example vectors)", () => {
  it("hashes the empty message", () => {
    expect(hex(sha256(new Uint8Array(0)))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it('hashes "abc"', () => {
    expect(hex(sha256(ascii("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("hashes the 448-bit message (padding spills into a second block)", () => {
    const m = ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
    expect(m.length).toBe(56);
    expect(hex(sha256(m))).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  });

  it("hashes the 896-bit message", () => {
    const m = ascii(
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
    );
    expect(m.length).toBe(112);
    expect(hex(sha256(m))).toBe("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  });

  it("hashes one million 'a'", () => {
    expect(hex(sha256(fill(0x61, 1_000_000)))).toBe(
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    );
  });

  it("matches node:crypto for every length 0..300 (all padding boundaries)", () => {
    const rnd = prng(1055);
    for (let n = 0; n <= 300; n++) {
      const m = randomBytes(rnd, n);
      expect(hex(sha256(m)), `length ${n}`).toBe(createHash("sha256").update(m).digest("hex"));
    }
  });

  it("does not modify its input and does not leak state between calls", () => {
    const m = ascii("abc");
    const first = hex(sha256(m));
    sha256(fill(0xff, 200)); // leaves the shared scratch buffers dirty
    expect(hex(sha256(m))).toBe(first);
    expect(hex(m)).toBe("616263");
  });
});

describe("hmacSha256 (RFC 4231)", () => {
  const cases: { name: string; key: Uint8Array; data: Uint8Array; mac: string }[] = [
    {
      name: "1: 20-byte key",
      key: fill(0x0b, 20),
      data: ascii("Hi There"),
      mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    },
    {
      name: "2: key shorter than the output",
      key: ascii("Jefe"),
      data: ascii("what do ya want for nothing?"),
      mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    },
    {
      name: "3: 50 bytes of 0xdd",
      key: fill(0xaa, 20),
      data: fill(0xdd, 50),
      mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    },
    {
      name: "4: 25-byte key 01..19",
      key: unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
      data: fill(0xcd, 50),
      mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    },
    {
      name: "6: 131-byte key is hashed first",
      key: fill(0xaa, 131),
      data: ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
      mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    },
    {
      name: "7: 131-byte key and data longer than a block",
      key: fill(0xaa, 131),
      data: ascii(
        "This is a test using a larger than block-size key and a larger than block-size data." +
          " The key needs to be hashed before being used by the HMAC algorithm.",
      ),
      mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    },
  ];
  for (const c of cases) {
    it(`test case ${c.name}`, () => {
      expect(hex(hmacSha256(c.key, c.data))).toBe(c.mac);
    });
  }

  it("test case 5: truncated to 128 bits", () => {
    const mac = hmacSha256(fill(0x0c, 20), ascii("Test With Truncation"));
    expect(mac.length).toBe(32);
    expect(hex(mac.subarray(0, 16))).toBe("a3b6167473100ee06e0c796c2955552b");
  });

  it("matches node:crypto createHmac on 300 random key/data pairs", () => {
    const rnd = prng(4231);
    for (let i = 0; i < 300; i++) {
      const key = randomBytes(rnd, Math.floor(rnd() * 151)); // 0..150: below, at and above 64
      const data = randomBytes(rnd, Math.floor(rnd() * 201)); // 0..200
      const expected = createHmac("sha256", key).update(data).digest("hex");
      expect(hex(hmacSha256(key, data)), `pair ${i}: key ${key.length} B, data ${data.length} B`).toBe(
        expected,
      );
    }
  });

  it("treats a 64-byte key as is, a 65-byte key hashed (RFC 2104 boundary)", () => {
    const data = ascii("boundary");
    for (const n of [63, 64, 65]) {
      const key = fill(0x5a, n);
      expect(hex(hmacSha256(key, data)), `key ${n} B`).toBe(
        createHmac("sha256", key).update(data).digest("hex"),
      );
    }
  });
});

describe("timingSafeEqual", () => {
  it("is true for equal contents, including empty arrays", () => {
    expect(timingSafeEqual(unhex("00ff10"), unhex("00ff10"))).toBe(true);
    expect(timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it("is false when any single byte or bit differs", () => {
    const a = unhex("0123456789abcdef");
    for (let i = 0; i < a.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = a.slice();
        b[i] = b[i]! ^ (1 << bit);
        expect(timingSafeEqual(a, b), `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });

  it("is false for different lengths, even when one is a prefix of the other", () => {
    expect(timingSafeEqual(unhex("0102"), unhex("010203"))).toBe(false);
    expect(timingSafeEqual(unhex("010203"), unhex("0102"))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(0), unhex("00"))).toBe(false);
  });

  it("compares views by their own bytes, not the underlying buffer", () => {
    const buf = unhex("aabbccaabbcc");
    expect(timingSafeEqual(buf.subarray(0, 3), buf.subarray(3, 6))).toBe(true);
    expect(timingSafeEqual(buf.subarray(0, 3), buf.subarray(1, 4))).toBe(false);
  });
});
