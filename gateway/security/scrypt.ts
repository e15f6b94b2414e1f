import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Password hashes are self-describing strings, so the cost can be raised later without breaking
 * existing entries: `scrypt$N=16384,r=8,p=1$<salt base64>$<hash base64>`.
 */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export interface PasswordHash extends ScryptCost {
  salt: Buffer;
  hash: Buffer;
}

/** 16 MiB and ~50 ms per check: affordable on a small gateway box, costly to guess offline. */
export const DEFAULT_COST: Readonly<ScryptCost> = { N: 16384, r: 8, p: 1 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** A hash string from a config file must not make the gateway allocate gigabytes to check it. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

const FORMAT = /^scrypt\$N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** Also the JSON Schema pattern for `passwordHash`, so the config file fails early and clearly. */
export const PASSWORD_HASH_PATTERN = FORMAT.source;

export class PasswordHashError extends Error {
  override name = "PasswordHashError";
}

export function parsePasswordHash(encoded: string): PasswordHash {
  const m = FORMAT.exec(encoded);
  if (!m) throw new PasswordHashError("not a hash of the form scrypt$N=...,r=...,p=...$<salt>$<hash> (make one with `pantau passwd`)");
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4]!, "base64");
  const hash = Buffer.from(m[5]!, "base64");
  if (N < 2 || (N & (N - 1)) !== 0) throw new PasswordHashError(`N=${N} is not a power of two`);
  if (r < 1 || p < 1 || p > 16) throw new PasswordHashError(`r=${r}, p=${p} out of range`);
  if (memoryFor(N, r, p) > MAX_SCRYPT_MEMORY) throw new PasswordHashError(`N=${N}, r=${r} needs more than 256 MiB`);
  if (salt.length < 16) throw new PasswordHashError("salt shorter than 16 bytes");
  if (hash.length < 16 || hash.length > 64) throw new PasswordHashError("hash length not within 16..64 bytes");
  return { N, r, p, salt, hash };
}

export function formatPasswordHash(h: PasswordHash): string {
  return `scrypt$N=${h.N},r=${h.r},p=${h.p}$${h.salt.toString("base64")}$${h.hash.toString("base64")}`;
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(Buffer.from(password, "utf8"), salt, HASH_BYTES, cost);
  return formatPasswordHash({ ...cost, salt, hash });
}

/** Runs on libuv's thread pool, so a login never stalls the event loop that moves frames. */
export async function verifyPassword(password: Uint8Array, stored: PasswordHash): Promise<boolean> {
  const candidate = await derive(password, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(candidate, stored.hash);
}

function memoryFor(N: number, r: number, p: number): number {
  return 128 * N * r + 128 * r * p;
}

function derive(password: Uint8Array, salt: Buffer, length: number, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: memoryFor(cost.N, cost.r, cost.p) + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
