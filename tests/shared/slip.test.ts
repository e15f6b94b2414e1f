import { describe, expect, it } from "vitest";
import {
  SLIP_END as END,
  SLIP_ESC as ESC,
  SLIP_ESC_END as ESC_END,
  SLIP_ESC_ESC as ESC_ESC,
  SlipDecoder,
  type SlipErrorReason,
  slipEncode,
} from "../../shared/slip.js";
import { mulberry32 as prng } from "../../firmware/sim/random.js";

const int = (rnd: () => number, n: number): number => Math.floor(rnd() * n);

/** Random frame; `special` is the share of bytes that are END or ESC. */
function randomFrame(rnd: () => number, len: number, special: number): Uint8Array {
  return Uint8Array.from({ length: len }, () =>
    rnd() < special ? (rnd() < 0.5 ? END : ESC) : int(rnd, 256),
  );
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A decoder that records what it hands out. */
function recorder(maxFrame?: number) {
  const frames: number[][] = [];
  const errors: [SlipErrorReason, number][] = [];
  const dec = new SlipDecoder(
    (f) => frames.push([...f]),
    (reason, dropped) => errors.push([reason, dropped]),
    maxFrame,
  );
  return { dec, frames, errors };
}

function decodeAll(stream: Uint8Array, maxFrame?: number) {
  const r = recorder(maxFrame);
  r.dec.push(stream);
  return r;
}

describe("slipEncode", () => {
  it("wraps the frame in END and escapes END and ESC (RFC 1055)", () => {
    expect([...slipEncode(Uint8Array.of(0x01, END, 0x02, ESC, 0x03))]).toEqual([
      END, 0x01, ESC, ESC_END, 0x02, ESC, ESC_ESC, 0x03, END,
    ]);
  });

  it("leaves ESC_END and ESC_ESC bytes alone when not preceded by ESC", () => {
    expect([...slipEncode(Uint8Array.of(ESC_END, ESC_ESC))]).toEqual([END, ESC_END, ESC_ESC, END]);
  });

  it("encodes the empty frame as END END", () => {
    expect([...slipEncode(new Uint8Array(0))]).toEqual([END, END]);
  });

  it("never emits END inside the frame", () => {
    const enc = slipEncode(new Uint8Array(100).fill(END));
    expect(enc.length).toBe(202);
    expect(enc.subarray(1, -1).includes(END)).toBe(false);
  });
});

describe("SlipDecoder", () => {
  it("round-trips random frames, including ones made mostly of END/ESC", () => {
    const rnd = prng(1055);
    for (let i = 0; i < 500; i++) {
      const special = [0, 0.1, 0.5, 1][i % 4]!;
      const frame = randomFrame(rnd, 1 + int(rnd, 256), special);
      const { frames, errors } = decodeAll(slipEncode(frame));
      expect(errors).toEqual([]);
      expect(frames).toEqual([[...frame]]);
    }
  });

  it("decodes a frame of exactly maxFrame bytes, all escaped", () => {
    const frame = new Uint8Array(256).fill(ESC);
    expect(decodeAll(slipEncode(frame)).frames).toEqual([[...frame]]);
  });

  it("hands out copies that later frames do not overwrite", () => {
    const got: Uint8Array[] = [];
    const dec = new SlipDecoder((f) => got.push(f), () => {});
    dec.push(concat([slipEncode(Uint8Array.of(1, 2, 3)), slipEncode(Uint8Array.of(9, 9, 9))]));
    expect(got.map((f) => [...f])).toEqual([[1, 2, 3], [9, 9, 9]]);
  });

  describe("split input", () => {
    const rnd = prng(7);
    const sent = Array.from({ length: 40 }, (_, i) => randomFrame(rnd, 1 + int(rnd, 200), i % 3 === 0 ? 0.5 : 0.05));
    const stream = concat(sent.map(slipEncode));
    const expected = sent.map((f) => [...f]);

    it("yields the same frames when fed one byte at a time", () => {
      const r = recorder();
      for (let i = 0; i < stream.length; i++) r.dec.push(stream.subarray(i, i + 1));
      expect(r.errors).toEqual([]);
      expect(r.frames).toEqual(expected);
    });

    it("yields the same frames for random chunk sizes (incl. empty chunks and ESC | follower splits)", () => {
      for (let trial = 0; trial < 50; trial++) {
        const r = recorder();
        for (let i = 0; i < stream.length; ) {
          const n = int(rnd, 40); // 0 pushes an empty chunk
          r.dec.push(stream.subarray(i, i + n));
          i += n;
        }
        expect(r.errors).toEqual([]);
        expect(r.frames).toEqual(expected);
      }
    });

    it("handles a split right between ESC and its follower", () => {
      const r = recorder();
      r.dec.push(Uint8Array.of(END, 0x41, ESC));
      r.dec.push(Uint8Array.of(ESC_END));
      r.dec.push(Uint8Array.of(ESC));
      r.dec.push(Uint8Array.of(ESC_ESC, END));
      expect(r.frames).toEqual([[0x41, END, ESC]]);
    });
  });

  it("skips empty frames and extra leading/trailing ENDs silently", () => {
    const r = decodeAll(
      concat([Uint8Array.of(END, END, END), slipEncode(Uint8Array.of(1)), Uint8Array.of(END, END), slipEncode(Uint8Array.of(2)), Uint8Array.of(END)]),
    );
    expect(r.errors).toEqual([]);
    expect(r.frames).toEqual([[1], [2]]);
  });

  it("also decodes frames sent without the optional leading END", () => {
    const r = decodeAll(Uint8Array.of(1, 2, END, 3, END));
    expect(r.frames).toEqual([[1, 2], [3]]);
  });

  it("holds a frame back until its closing END arrives", () => {
    const r = recorder();
    r.dec.push(Uint8Array.of(END, 1, 2, 3));
    expect(r.frames).toEqual([]);
    r.dec.push(Uint8Array.of(END));
    expect(r.frames).toEqual([[1, 2, 3]]);
  });

  it("drops an oversize frame up to the next END, reports it once, and decodes the next frame", () => {
    const r = recorder(16);
    const big = new Uint8Array(100).fill(0x55);
    big[50] = END; // escaped on the wire, so it must not end the discarded frame early
    r.dec.push(concat([slipEncode(big), slipEncode(Uint8Array.of(7, 8, 9))]));
    expect(r.errors).toEqual([["oversize", 101]]); // 100 bytes + 1 ESC on the line
    expect(r.frames).toEqual([[7, 8, 9]]);
  });

  it("treats maxFrame as the largest decoded length: maxFrame passes, maxFrame + 1 does not", () => {
    const r = recorder(8);
    r.dec.push(concat([slipEncode(new Uint8Array(8).fill(ESC)), slipEncode(new Uint8Array(9).fill(1))]));
    expect(r.frames).toEqual([Array(8).fill(ESC)]);
    expect(r.errors).toEqual([["oversize", 9]]);
  });

  it("bounds memory by maxFrame whatever the line sends", () => {
    const r = recorder(32);
    const noise = new Uint8Array(100_000).fill(0x11);
    for (let i = 0; i < 10; i++) r.dec.push(noise); // one million bytes, no END
    r.dec.push(Uint8Array.of(END));
    expect(r.errors).toEqual([["oversize", 1_000_000]]);
    r.dec.push(slipEncode(Uint8Array.of(1)));
    expect(r.frames).toEqual([[1]]);
  });

  it("drops a frame with a bad escape, reports it once, and decodes the next frame", () => {
    const r = decodeAll(
      concat([Uint8Array.of(END, 1, ESC, 0x42, 2, ESC, 0x43, 3, END), slipEncode(Uint8Array.of(4, 5))]),
    );
    expect(r.errors).toEqual([["bad-escape", 7]]);
    expect(r.frames).toEqual([[4, 5]]);
  });

  it("treats ESC END as a bad escape that still ends the frame", () => {
    const r = decodeAll(Uint8Array.of(END, 1, 2, ESC, END, 3, END));
    expect(r.errors).toEqual([["bad-escape", 3]]);
    expect(r.frames).toEqual([[3]]);
  });

  it("reports ESC ESC as a bad escape (an escaped ESC is ESC ESC_ESC)", () => {
    const r = decodeAll(Uint8Array.of(END, ESC, ESC, ESC_ESC, END));
    expect(r.errors).toEqual([["bad-escape", 3]]);
    expect(r.frames).toEqual([]);
  });

  // Garbage received before the first END (e.g. the tail of a frame cut off when the port was
  // opened) is decoded like any frame: the decoder cannot tell it from a frame whose leading END
  // was lost, so it hands it out and the caller's MIC/CBOR check rejects it. If it is longer than
  // maxFrame it is dropped and reported as "oversize" instead, and a bad escape in it is reported
  // as "bad-escape". Either way the frame after the END is decoded intact.
  describe("garbage before the first END", () => {
    const good = slipEncode(Uint8Array.of(0xa1, 0x01, 0x02));

    it("short garbage comes out as a frame of its own, then the real frame", () => {
      const r = decodeAll(concat([Uint8Array.of(0x13, 0x37, 0xff), good]));
      expect(r.errors).toEqual([]);
      expect(r.frames).toEqual([[0x13, 0x37, 0xff], [0xa1, 0x01, 0x02]]);
    });

    it("long garbage is dropped as oversize, then the real frame", () => {
      const r = decodeAll(concat([new Uint8Array(300).fill(0x20), good]), 64);
      expect(r.errors).toEqual([["oversize", 300]]);
      expect(r.frames).toEqual([[0xa1, 0x01, 0x02]]);
    });

    it("garbage cut after an ESC starts with a bare ESC_END, which is plain data", () => {
      const r = decodeAll(concat([Uint8Array.of(ESC_END, 0x01), good]));
      expect(r.frames).toEqual([[ESC_END, 0x01], [0xa1, 0x01, 0x02]]);
    });
  });

  it("reset() forgets a partial frame without reporting it", () => {
    const r = recorder(4);
    r.dec.push(Uint8Array.of(END, 1, 2, 3, 4, 5, 6, ESC)); // oversize and mid-escape
    r.dec.reset();
    r.dec.push(Uint8Array.of(ESC_END, END)); // would be a bad state without the reset
    expect(r.errors).toEqual([]);
    expect(r.frames).toEqual([[ESC_END]]);
  });

  it("stays usable after a callback throws", () => {
    let calls = 0;
    const dec = new SlipDecoder(
      (f) => {
        calls++;
        if (f[0] === 0) throw new Error("consumer failed");
      },
      () => {},
    );
    expect(() => dec.push(slipEncode(Uint8Array.of(0)))).toThrow("consumer failed");
    dec.push(slipEncode(Uint8Array.of(1)));
    expect(calls).toBe(2);
  });

  it("rejects a maxFrame that is not a positive integer", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new SlipDecoder(() => {}, () => {}, bad)).toThrow(RangeError);
    }
  });
});
