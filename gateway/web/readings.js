// @ts-check
import { fill, h } from "./dom.js";
import { localTime, t } from "./i18n.js";
import { figureText, registryValue, roleOf, shownBy, words } from "./roles.js";

/** @typedef {import("./api.js").Device} Device */
/** @typedef {import("./roles.js").Show} Show */

/**
 * The key a reading replaces: its entity (one per lane, sign approach and histogram, station).
 * @param {number} deviceId
 * @param {string} kind
 * @param {Record<string, any>} payload
 */
export function readingKey(deviceId, kind, payload) {
  return `${deviceId}/${kind}/${payload.id}`;
}

/**
 * One card per unit with readings, as its role describes them: its figures per entity (a lane),
 * the first one large, and a gauge against the unit's own lines (a river's alert and danger).
 * @param {HTMLElement} root
 * @param {Device[]} devices
 * @param {Map<string, Record<string, any>>} latest payloads by readingKey
 */
export function renderReadings(root, devices, latest) {
  const cards = devices.flatMap((d) => {
    const shows = roleOf(d.role)?.shows ?? [];
    if (shows.length === 0) return [];
    const of = (/** @type {Show} */ s) => [...latest].filter(([k, p]) => k.startsWith(`${d.id}/${s.kind}/`) && shownBy(s, p)).map(([, p]) => p);
    return [h("article", { class: `reading ${d.role}`, "data-unit": d.id },
      h("h3", {}, h("a", { href: `#/unit/${d.id}` }, `${d.id} ${d.name}`)),
      shows.map((s) => showCard(d, s, of(s))))];
  });
  fill(root, h("h2", {}, t("live")), h("div", { class: "cards" }, cards));
}

/**
 * @param {Device} d
 * @param {Show} s
 * @param {Record<string, any>[]} payloads the newest of each entity
 */
function showCard(d, s, payloads) {
  if (payloads.length === 0) return h("p", {}, t("noReading"));
  const per = s.per;
  const at = (/** @type {Record<string, any>} */ p) => String(p[s.time ?? "dateObserved"] ?? "");
  const newest = payloads.reduce((a, b) => (at(a) >= at(b) ? a : b));
  const rows = per ? [...payloads].sort((a, b) => a[per.field] - b[per.field]) : [newest];
  return h("div", { "data-kind": s.kind },
    rows.map((p) => {
      const [first, ...rest] = s.figures;
      const state = s.state && p[s.state.field] !== undefined ? String(p[s.state.field]) : undefined;
      const stateWords = state === undefined ? undefined : s.state?.words[state];
      return h("div", { class: `row${state ? ` ${state}` : ""}`, ...(per ? { "data-entity": p[per.field] } : {}) },
        per ? h("span", { class: "label" }, words(per.label, { n: p[per.field] })) : null,
        first ? h("span", { class: "big", "data-value": first.field, title: words(first.label, p) }, figureText(first, p[first.field])) : null,
        stateWords ? h("span", { class: "flag" }, words(stateWords)) : null,
        h("dl", { class: "stats" }, rest.filter((f) => p[f.field] !== undefined).map((f) =>
          h("div", {}, h("dt", {}, words(f.label, p)), h("dd", {}, figureText(f, p[f.field]))))));
    }),
    s.scale && s.figures[0] ? gauge(d, s, newest) : null,
    h("p", { class: "when" }, t("observed", { time: localTime(at(newest) || null) })));
}

/**
 * The first figure as a level up to the registry's scale, with the unit's lines.
 * @param {Device} d
 * @param {Show} s
 * @param {Record<string, any>} p
 */
function gauge(d, s, p) {
  const top = registryValue(d, s.scale ?? "");
  const figure = s.figures[0];
  const value = figure ? p[figure.field] : undefined;
  if (!top || !figure || typeof value !== "number") return null;
  const pct = (/** @type {number} */ v) => `${Math.max(0, Math.min(100, (100 * v) / top)).toFixed(1)}%`;
  const lines = (s.lines ?? []).flatMap((l) => {
    const at = registryValue(d, l.registry);
    return at === undefined ? [] : [{ ...l, at, text: `${words(l.label)} ${figureText(figure, at)}` }];
  });
  return h("div", { class: "gauge", role: "img", "aria-label": [`${words(figure.label)} ${figureText(figure, value)}`, ...lines.map((l) => l.text)].join("; ") },
    h("div", { class: "water", style: `height:${pct(value)}` }),
    lines.map((l) => h("div", { class: `line ${l.level}`, style: `bottom:${pct(l.at)}` }, h("span", {}, l.text))));
}
