import { describe, expect, it } from "vitest";
import { type AirtimeParams, dutyCycleWaitMs, loraAirtimeMs } from "../../shared/airtime.js";

// Expected values are worked out by hand from AN1200.13:
//   Tsym = 2^SF / BW,  Tpreamble = (Npre + 4.25)·Tsym,
//   Npayload = 8 + max(ceil((8·PL − 4·SF + 28 + 16·CRC − 20·IH) / (4·(SF − 2·DE)))·(CR + 4), 0)
//   T = Tpreamble + Npayload·Tsym

describe("loraAirtimeMs", () => {
  it("13 bytes, SF9/125 kHz, 4/5, 8 preamble, explicit header, CRC = 164.864 ms", () => {
    // Tsym = 512/125000 s = 4.096 ms; preamble 12.25·4.096 = 50.176 ms
    // ceil((104 − 36 + 28 + 16) / 36) = ceil(112/36 = 3.11) = 4 → 8 + 4·5 = 28 symbols = 114.688 ms
    expect(
      loraAirtimeMs({
        payloadBytes: 13, spreadingFactor: 9, bandwidthHz: 125000, codingRate: 1,
        preambleSymbols: 8, explicitHeader: true, crc: true,
      }),
    ).toBeCloseTo(164.864, 9);
    expect(loraAirtimeMs({ payloadBytes: 13, spreadingFactor: 9 })).toBeCloseTo(164.864, 9); // defaults
  });

  it("51 bytes (the AS923 DR2 frame budget), SF10/125 kHz = 616.448 ms", () => {
    // Tsym = 1024/125000 s = 8.192 ms (< 16 ms, so DE = 0); preamble 12.25·8.192 = 100.352 ms
    // ceil((408 − 40 + 28 + 16) / 40) = ceil(412/40 = 10.3) = 11 → 8 + 11·5 = 63 symbols = 516.096 ms
    // (370.688 ms = 45.25 symbols would need only 33 payload symbols, i.e. a 20..24-byte payload.)
    expect(loraAirtimeMs({ payloadBytes: 51, spreadingFactor: 10 })).toBeCloseTo(616.448, 9);
  });

  it("20 bytes, SF12/125 kHz with DE = 1 (the default there) = 1318.912 ms", () => {
    // Tsym = 4096/125000 s = 32.768 ms; preamble 12.25·32.768 = 401.408 ms
    // ceil((160 − 48 + 28 + 16) / (4·(12 − 2))) = ceil(156/40 = 3.9) = 4 → 28 symbols = 917.504 ms
    expect(loraAirtimeMs({ payloadBytes: 20, spreadingFactor: 12 })).toBeCloseTo(1318.912, 9);
    expect(loraAirtimeMs({ payloadBytes: 20, spreadingFactor: 12, lowDataRateOptimize: true })).toBeCloseTo(1318.912, 9);
  });

  it("30 bytes, SF7/250 kHz = 35.968 ms", () => {
    // Tsym = 128/250000 s = 0.512 ms; preamble 12.25·0.512 = 6.272 ms
    // ceil((240 − 28 + 28 + 16) / 28) = ceil(256/28 = 9.14) = 10 → 58 symbols = 29.696 ms
    expect(loraAirtimeMs({ payloadBytes: 30, spreadingFactor: 7, bandwidthHz: 250000 })).toBeCloseTo(35.968, 9);
  });

  it("implicit header: 13 bytes SF9/125 kHz = 144.384 ms", () => {
    // ceil((104 − 36 + 28 + 16 − 20) / 36) = ceil(92/36 = 2.56) = 3 → 23 symbols = 94.208 ms
    // + preamble 50.176 ms
    expect(loraAirtimeMs({ payloadBytes: 13, spreadingFactor: 9, explicitHeader: false })).toBeCloseTo(144.384, 9);
  });

  it("CRC off: 10 bytes SF7/125 kHz = 36.096 ms (41.216 ms with CRC)", () => {
    // Tsym = 1.024 ms; preamble 12.25·1.024 = 12.544 ms
    // CRC off: ceil((80 − 28 + 28) / 28) = ceil(2.86) = 3 → 23 symbols = 23.552 ms
    // CRC on:  ceil((80 − 28 + 28 + 16) / 28) = ceil(3.43) = 4 → 28 symbols = 28.672 ms
    expect(loraAirtimeMs({ payloadBytes: 10, spreadingFactor: 7, crc: false })).toBeCloseTo(36.096, 9);
    expect(loraAirtimeMs({ payloadBytes: 10, spreadingFactor: 7 })).toBeCloseTo(41.216, 9);
  });

  it("coding rate 4/8 and a longer preamble: 16 bytes SF8/125 kHz, 12 preamble = 131.584 ms", () => {
    // Tsym = 2.048 ms; preamble (12 + 4.25)·2.048 = 33.28 ms
    // ceil((128 − 32 + 28 + 16) / 32) = ceil(140/32 = 4.375) = 5 → 8 + 5·8 = 48 symbols = 98.304 ms
    expect(
      loraAirtimeMs({ payloadBytes: 16, spreadingFactor: 8, codingRate: 4, preambleSymbols: 12 }),
    ).toBeCloseTo(131.584, 9);
  });

  it("clamps a negative symbol count to the 8 header symbols: empty payload, SF12 implicit, no CRC", () => {
    // ceil((0 − 48 + 28 + 0 − 20) / 40) = ceil(−1) = −1 → max(−5, 0) = 0 → 8 symbols
    // (12.25 + 8)·32.768 = 663.552 ms
    expect(
      loraAirtimeMs({ payloadBytes: 0, spreadingFactor: 12, explicitHeader: false, crc: false }),
    ).toBeCloseTo(663.552, 9);
  });

  it("grows monotonically with payload length at every SF", () => {
    for (let sf = 6; sf <= 12; sf++) {
      let prev = -1;
      for (let pl = 0; pl <= 255; pl++) {
        const t = loraAirtimeMs({ payloadBytes: pl, spreadingFactor: sf });
        expect(t, `SF${sf} ${pl} B`).toBeGreaterThanOrEqual(prev);
        prev = t;
      }
      // and strictly over a few bytes: every 4·(SF − 2·DE) bits add a block of symbols
      expect(loraAirtimeMs({ payloadBytes: 255, spreadingFactor: sf })).toBeGreaterThan(
        loraAirtimeMs({ payloadBytes: 0, spreadingFactor: sf }),
      );
    }
  });

  it("grows strictly with spreading factor for the same payload", () => {
    for (const pl of [0, 1, 13, 51, 255]) {
      for (let sf = 7; sf <= 12; sf++) {
        expect(loraAirtimeMs({ payloadBytes: pl, spreadingFactor: sf }), `${pl} B SF${sf}`).toBeGreaterThan(
          loraAirtimeMs({ payloadBytes: pl, spreadingFactor: sf - 1 }),
        );
      }
    }
  });

  it("turns low data rate optimisation on by default from a 16 ms symbol (SF11 at 125 kHz)", () => {
    const at = (p: Omit<AirtimeParams, "payloadBytes">) => ({
      auto: loraAirtimeMs({ payloadBytes: 51, ...p }),
      on: loraAirtimeMs({ payloadBytes: 51, ...p, lowDataRateOptimize: true }),
      off: loraAirtimeMs({ payloadBytes: 51, ...p, lowDataRateOptimize: false }),
    });
    const sf10 = at({ spreadingFactor: 10 }); // 8.192 ms symbol
    expect(sf10.auto).toBe(sf10.off);
    expect(sf10.on).toBeGreaterThan(sf10.off);

    // SF11/125 kHz, Tsym = 16.384 ms, preamble 12.25·16.384 = 200.704 ms:
    // 8·51 − 44 + 28 + 16 = 408
    // DE = 1: ceil(408 / (4·(11 − 2))) = ceil(11.33) = 12 → 68 symbols → 1314.816 ms
    // DE = 0: ceil(408 / 44) = ceil(9.27) = 10 → 58 symbols → 1150.976 ms
    const sf11 = at({ spreadingFactor: 11 });
    expect(sf11.auto).toBeCloseTo(1314.816, 9);
    expect(sf11.on).toBe(sf11.auto);
    expect(sf11.off).toBeCloseTo(1150.976, 9);

    // The rule is about symbol time, not SF: SF12 at 250 kHz has 16.384 ms symbols, SF11 8.192 ms.
    const sf12wide = at({ spreadingFactor: 12, bandwidthHz: 250000 });
    expect(sf12wide.auto).toBe(sf12wide.on);
    const sf11wide = at({ spreadingFactor: 11, bandwidthHz: 250000 });
    expect(sf11wide.auto).toBe(sf11wide.off);
  });

  it("throws RangeError for impossible settings", () => {
    const bad: AirtimeParams[] = [
      { payloadBytes: 10, spreadingFactor: 5 },
      { payloadBytes: 10, spreadingFactor: 13 },
      { payloadBytes: 10, spreadingFactor: 9.5 },
      { payloadBytes: 10, spreadingFactor: 9, bandwidthHz: 100000 },
      { payloadBytes: 10, spreadingFactor: 9, bandwidthHz: 125 }, // kHz by mistake
      { payloadBytes: 10, spreadingFactor: 9, codingRate: 0 },
      { payloadBytes: 10, spreadingFactor: 9, codingRate: 5 },
      { payloadBytes: -1, spreadingFactor: 9 },
      { payloadBytes: 256, spreadingFactor: 9 },
      { payloadBytes: 1.5, spreadingFactor: 9 },
      { payloadBytes: Number.NaN, spreadingFactor: 9 },
      { payloadBytes: 10, spreadingFactor: 9, preambleSymbols: -1 },
    ];
    for (const p of bad) expect(() => loraAirtimeMs(p), JSON.stringify(p)).toThrow(RangeError);
  });

  it("names the offending parameter in the error", () => {
    expect(() => loraAirtimeMs({ payloadBytes: 300, spreadingFactor: 9 })).toThrow(/payloadBytes.*300/);
    expect(() => loraAirtimeMs({ payloadBytes: 1, spreadingFactor: 9, bandwidthHz: 125 })).toThrow(/bandwidthHz/);
  });

  it("accepts the edges of every range", () => {
    for (const bw of [7800, 500000]) {
      for (const sf of [6, 12]) {
        for (const cr of [1, 4]) {
          for (const pl of [0, 255]) {
            const t = loraAirtimeMs({ payloadBytes: pl, spreadingFactor: sf, bandwidthHz: bw, codingRate: cr });
            expect(Number.isFinite(t) && t > 0).toBe(true);
          }
        }
      }
    }
  });
});

describe("dutyCycleWaitMs", () => {
  it("is the off-time that keeps on/(on + off) at the duty cycle", () => {
    expect(dutyCycleWaitMs(100, 0.01)).toBeCloseTo(9900, 9);
    expect(dutyCycleWaitMs(616.448, 0.1)).toBeCloseTo(5548.032, 9);
    expect(dutyCycleWaitMs(100, 1)).toBe(0);
    expect(dutyCycleWaitMs(0, 0.01)).toBe(0);
  });

  it("throws RangeError for a duty cycle outside (0, 1] or a bad airtime", () => {
    for (const dc of [0, -0.01, 1.01, Number.NaN]) {
      expect(() => dutyCycleWaitMs(100, dc), String(dc)).toThrow(RangeError);
    }
    for (const t of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => dutyCycleWaitMs(t, 0.01), String(t)).toThrow(RangeError);
    }
  });
});
