import { outputKinds } from "../roles/index.js";
import type { HistoryQuery } from "../store/store.js";
import { HISTORY_LIMIT } from "../store/store.js";

/** A request the API refuses, with the status and a message that says what to fix. */
export class HttpError extends Error {
  override name = "HttpError";

  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const READINGS_PARAMS = ["from", "to", "kind", "limit", "order"] as const;

// Full date and time with an explicit zone, so "10:00" never means the server's local time.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** A decimal id in a path segment: 1..2^53. */
export function parseId(what: string, raw: string): number {
  const id = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) throw new HttpError(400, `${what} must be a positive integer, got "${raw}"`);
  return id;
}

/** `?from=ISO&to=ISO&kind=&limit=&order=` of the readings query, checked strictly. */
export function parseReadingsQuery(params: URLSearchParams): Omit<HistoryQuery, "deviceId"> {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (!(READINGS_PARAMS as readonly string[]).includes(name)) {
      throw new HttpError(400, `unknown parameter "${name}"; allowed: ${READINGS_PARAMS.join(", ")}`);
    }
    if (seen.has(name)) throw new HttpError(400, `parameter "${name}" given more than once`);
    seen.add(name);
  }
  const q: Omit<HistoryQuery, "deviceId"> = {};
  const from = params.get("from");
  const to = params.get("to");
  if (from !== null) q.from = parseInstant("from", from);
  if (to !== null) q.to = parseInstant("to", to);
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
    throw new HttpError(400, `"from" (${from}) is after "to" (${to})`);
  }
  const kind = params.get("kind");
  if (kind !== null) {
    const kinds = outputKinds();
    if (!kinds.includes(kind)) throw new HttpError(400, `"kind" must be one of ${kinds.join(", ")}, got "${kind}"`);
    q.kind = kind;
  }
  const limit = params.get("limit");
  if (limit !== null) {
    const n = /^\d{1,6}$/.test(limit) ? Number(limit) : NaN;
    if (!(n >= 1 && n <= HISTORY_LIMIT.max)) throw new HttpError(400, `"limit" must be an integer from 1 to ${HISTORY_LIMIT.max}, got "${limit}"`);
    q.limit = n;
  }
  const order = params.get("order");
  if (order !== null) {
    if (order !== "asc" && order !== "desc") throw new HttpError(400, `"order" must be asc or desc, got "${order}"`);
    q.order = order;
  }
  return q;
}

/** An ISO 8601 instant to epoch ms; impossible dates (Feb 30) are refused, which Date.parse would roll over. */
export function parseInstant(name: string, raw: string): number {
  const m = ISO_INSTANT.exec(raw);
  const ms = m ? Date.parse(raw) : NaN;
  const [year, month, day] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
  const real = new Date(Date.UTC(year, month - 1, day));
  if (!Number.isFinite(ms) || real.getUTCMonth() !== month - 1 || real.getUTCDate() !== day) {
    throw new HttpError(400, `"${name}" must be an ISO 8601 date-time with a zone, e.g. 2026-11-23T03:00:00Z; got "${raw}"`);
  }
  return ms;
}
