// @ts-check
/**
 * @typedef {{ user: string | null, role: string | null, mayCommand: boolean, demo: boolean, csrfToken: string }} Session
 * @typedef {{ online: boolean, state: "online" | "offline" | "unknown", lastSeen: string | null, batteryVoltage: number | null,
 *   batteryLow: boolean, rssi: number | null, snr: number | null, linkDegraded: boolean, queueDepth: number | null,
 *   lostFrames: number, framesReceived: number, framesRejected: number, expectedInterval: number }} Health
 * @typedef {{ id: number, role: string, site: string, name: string, location: { type: "Point", coordinates: [number, number] }, road?: string,
 *   direction?: string, lanes?: Array<{ lane: number, direction?: string }>, flood?: { referenceLevelM: number, alertLevelM: number,
 *   dangerLevelM: number }, sign?: { speedLimitKmh: number }, health: Health | null, firmware: string | null }} Device
 * @typedef {{ kind: string, type: string, observedAt: string, receivedAt: string, payload: Record<string, any> }} Reading
 * @typedef {{ deviceId: number, site: string, alarmType: string, severity: string, since: string | null, description: string, level?: number }} Alarm
 * @typedef {{ id: number, deviceId: number, command: Record<string, unknown>, state: string, detail: string | null, createdAt: string, updatedAt: string }} StoredCommand
 * @typedef {{ name: string, minimum?: number, maximum?: number, enum?: number[] }} FormField
 */

/** A refusal from the gateway, with its own message. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** @type {Session | null} */
let session = null;

/**
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
async function call(path, init) {
  const res = await fetch(path, { credentials: "same-origin", ...init });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/**
 * @param {string} path
 * @returns {Promise<any>}
 */
export function get(path) {
  return call(path);
}

/**
 * A change: JSON body and the CSRF token the session handed out.
 * @param {string} path
 * @param {unknown} body
 * @returns {Promise<any>}
 */
export async function post(path, body) {
  const token = (session ?? (await loadSession())).csrfToken;
  return call(path, { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": token }, body: JSON.stringify(body) });
}

/** @returns {Promise<Session>} */
export async function loadSession() {
  session = await call("/api/session");
  return /** @type {Session} */ (session);
}

/**
 * @param {string} username
 * @param {string} password
 */
export async function login(username, password) {
  await post("/api/login", { username, password });
  return loadSession();
}

export async function logout() {
  await post("/api/logout", {});
  return loadSession();
}

/**
 * Follows the gateway's live stream; EventSource reconnects by itself.
 * @param {(topic: string, payload: Record<string, any>) => void} onMessage
 * @param {(up: boolean) => void} onState
 */
export function follow(onMessage, onState) {
  const source = new EventSource("/api/live");
  source.onopen = () => onState(true);
  source.onerror = () => onState(false);
  source.onmessage = (e) => {
    const { topic, payload } = JSON.parse(e.data);
    onMessage(topic, payload);
  };
  return source;
}
