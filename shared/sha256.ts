// SHA-256 (FIPS 180-4) in plain TypeScript, so the firmware (XS, no crypto module) and the gateway
// compute the same MIC. Whole-message API: frames are small, so no streaming interface is needed.

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// FIPS 180-4 §5.3.3: initial hash value.
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/**
 * Processes the 64-byte block at `off` of `src` into the state `h` (FIPS 180-4 §6.2.2), with `W`
 * as the message schedule. The scratch arrays belong to the call, not the module: on a device the
 * module is preloaded into flash, where a module-level array is read-only.
 */
function compress(h: Uint32Array, W: Uint32Array, src: Uint8Array, off: number): void {
  for (let t = 0; t < 16; t++, off += 4) {
    W[t] = (src[off]! << 24) | (src[off + 1]! << 16) | (src[off + 2]! << 8) | src[off + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15]!;
    const y = W[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = W[t - 16]! + s0 + W[t - 7]! + s1; // the Uint32Array store reduces mod 2^32
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!;
  // Rotations are written inline: XS interprets, so a helper call per rotation would cost more
  // than the arithmetic itself.
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[t]! + W[t]!) >>> 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  h[0] = h[0]! + a;
  h[1] = h[1]! + b;
  h[2] = h[2]! + c;
  h[3] = h[3]! + d;
  h[4] = h[4]! + e;
  h[5] = h[5]! + f;
  h[6] = h[6]! + g;
  h[7] = h[7]! + k;
}

/** SHA-256 digest (32 bytes) of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const h = new Uint32Array(H0);
  const W = new Uint32Array(64);
  const len = data.length;
  const full = len - (len % 64);
  // Whole blocks are read in place; only the remainder is copied, into the padding buffer.
  for (let off = 0; off < full; off += 64) compress(h, W, data, off);

  const rest = len - full;
  const tailLen = rest < 56 ? 64 : 128; // 0x80 and the 8-byte length must fit after the rest
  const tail = new Uint8Array(tailLen);
  tail.set(data.subarray(full), 0);
  tail[rest] = 0x80;
  // The bit length is 64-bit big-endian; split it without overflowing 32-bit operators.
  writeU32(tail, tailLen - 8, Math.floor(len / 0x20000000));
  writeU32(tail, tailLen - 4, (len << 3) >>> 0);
  for (let off = 0; off < tailLen; off += 64) compress(h, W, tail, off);

  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) writeU32(out, 4 * i, h[i]!);
  return out;
}

function writeU32(dst: Uint8Array, off: number, v: number): void {
  dst[off] = v >>> 24;
  dst[off + 1] = v >>> 16;
  dst[off + 2] = v >>> 8;
  dst[off + 3] = v;
}
