// @ts-check
import { get } from "./api.js";
import { lang, num } from "./i18n.js";

/**
 * What the page shows of each role, as the gateway's role plug-ins describe it (GET /api/roles):
 * the page names no role, kind or field of its own.
 * @typedef {{ id: string, en: string }} Words
 * @typedef {{ field: string, label: Words, unit?: Words, digits?: number, share?: true, chart?: true, dashed?: true }} Figure
 * @typedef {{ label: Words, registry: string, level: "alert" | "danger" }} Line
 * @typedef {{ kind: string, without?: string, time?: string, per?: { field: string, label: Words }, title: Words, figures: Figure[],
 *   scale?: string, lines?: Line[], state?: { field: string, words: Record<string, Words> } }} Show
 * @typedef {{ label: Words, kinds: string[], shows: Show[], alarms: Record<string, Record<string, Words>> }} Role
 */

/** @type {Record<string, Role>} */
let roles = {};

export async function loadRoles() {
  ({ roles } = await get("/api/roles"));
}

/**
 * Words in the page's language, `{name}` filled from `vars`.
 * @param {Words} w
 * @param {Record<string, unknown>} [vars]
 */
export function words(w, vars = {}) {
  return w[lang].replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? `{${name}}`));
}

/** @param {string} name */
export function roleOf(name) {
  return roles[name];
}

/** @param {string} name */
export function roleLabel(name) {
  const role = roles[name];
  return role ? words(role.label) : name;
}

/** Every kind of reading the roles send. */
export function readingKinds() {
  return Object.values(roles).flatMap((r) => r.kinds);
}

/**
 * A figure's value as shown: digits, a share as percent, its unit.
 * @param {Figure} f
 * @param {unknown} value
 */
export function figureText(f, value) {
  if (typeof value !== "number") return "—";
  if (f.share) return `${num(100 * value)} %`;
  return f.unit ? `${num(value, f.digits ?? 0)} ${words(f.unit)}` : num(value, f.digits ?? 0);
}

/**
 * A value of a unit's registry entry by its path ("flood.alertLevelM").
 * @param {Record<string, any>} device
 * @param {string} path
 * @returns {number | undefined}
 */
export function registryValue(device, path) {
  const v = path.split(".").reduce((o, key) => (o && typeof o === "object" ? o[key] : undefined), /** @type {any} */ (device));
  return typeof v === "number" ? v : undefined;
}

/**
 * The payloads a show takes of one kind (without the records it leaves out).
 * @param {Show} show
 * @param {Record<string, any>} payload
 */
export function shownBy(show, payload) {
  return show.without === undefined || payload[show.without] === undefined;
}
