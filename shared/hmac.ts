// HMAC-SHA-256 (RFC 2104) for the frame MIC, and a constant-time comparison to check it with.

import { sha256 } from "./sha256.js";

const BLOCK = 64; // SHA-256 block size in bytes

/** HMAC-SHA-256 of `data` under `key` (32 bytes; callers truncate for the MIC). */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  // RFC 2104 §2: keys longer than the block are hashed first, shorter ones are zero-padded.
  const k = new Uint8Array(BLOCK);
  k.set(key.length > BLOCK ? sha256(key) : key);

  const inner = new Uint8Array(BLOCK + data.length);
  const outer = new Uint8Array(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  inner.set(data, BLOCK);
  outer.set(sha256(inner), BLOCK);
  return sha256(outer);
}

/**
 * True when `a` and `b` hold the same bytes. For equal lengths the time taken does not depend on
 * where they differ, so a forger cannot learn a MIC byte by byte; lengths are not secret.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
