// @ts-check
import { fill, h } from "./dom.js";
import { localTime, num, t } from "./i18n.js";

/** @typedef {import("./api.js").Device} Device */
/** @typedef {import("./api.js").Reading} Reading */

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
 * One card per unit with readings: vehicles and speed per lane, the sign's speed statistics,
 * and the river's level drawn against its alert and danger lines.
 * @param {HTMLElement} root
 * @param {Device[]} devices
 * @param {Map<string, Record<string, any>>} latest payloads by readingKey
 */
export function renderReadings(root, devices, latest) {
  const cards = devices.flatMap((d) => {
    const of = (/** @type {string} */ kind) => [...latest].filter(([k]) => k.startsWith(`${d.id}/${kind}/`)).map(([, p]) => p);
    const body = d.role === "loop" ? traffic(of("traffic"))
      : d.role === "sign" ? speed(of("speed").find(isSpeedStats))
      : d.role === "flood" ? flood(d, of("flood")[0])
      : null;
    if (!body) return [];
    return [h("article", { class: `reading ${d.role}`, "data-unit": d.id },
      h("h3", {}, h("a", { href: `#/unit/${d.id}` }, `${d.id} ${d.name}`)),
      body)];
  });
  fill(root, h("h2", {}, t("live")), h("div", { class: "cards" }, cards));
}

/**
 * A sign's interval statistics rather than a slice of its speed histogram (both are traffic flow).
 * @param {Record<string, any>} payload
 */
export function isSpeedStats(payload) {
  return payload.bins === undefined;
}

/** @param {Record<string, any>[]} lanes */
function traffic(lanes) {
  if (lanes.length === 0) return h("p", {}, t("noReading"));
  const sorted = [...lanes].sort((a, b) => a.laneId - b.laneId);
  const seconds = (/** @type {Record<string, any>} */ p) => Math.round((Date.parse(p.dateObservedTo) - Date.parse(p.dateObservedFrom)) / 1000);
  return h("div", {},
    h("ul", { class: "lanes" }, sorted.map((p) => h("li", { "data-lane": p.laneId },
      h("span", { class: "label" }, t("lane", { lane: p.laneId })),
      h("span", { class: "big", "data-value": "intensity" }, t("vehicles", { n: num(p.intensity) })),
      h("span", {}, `${t("perInterval", { s: seconds(p) })} · ${p.averageVehicleSpeed === undefined ? "—" : t("kmh", { v: num(p.averageVehicleSpeed) })}`)))),
    observed(sorted[0]));
}

/** @param {Record<string, any> | undefined} p */
function speed(p) {
  if (!p) return h("p", {}, t("noReading"));
  return h("div", {},
    h("dl", { class: "stats" },
      h("div", {}, h("dt", {}, t("meanSpeed")), h("dd", { class: "big", "data-value": "mean" }, p.averageVehicleSpeed === undefined ? "—" : t("kmh", { v: num(p.averageVehicleSpeed, 1) }))),
      h("div", {}, h("dt", {}, t("p85")), h("dd", {}, p.speedPercentile85 === undefined ? "—" : t("kmh", { v: num(p.speedPercentile85) }))),
      h("div", {}, h("dt", {}, t("overLimit", { limit: p.speedLimit })), h("dd", {}, `${num(p.overSpeedLimitCount)} / ${num(p.intensity)} (${num(100 * p.overSpeedLimitShare)} %)`))),
    observed(p));
}

/**
 * @param {Device} d
 * @param {Record<string, any> | undefined} p
 */
function flood(d, p) {
  if (!p || !d.flood) return h("p", {}, t("noReading"));
  const top = d.flood.referenceLevelM;
  const pct = (/** @type {number} */ m) => `${Math.max(0, Math.min(100, (100 * m) / top)).toFixed(1)}%`;
  const status = String(p.floodLevelStatus ?? "normal");
  return h("div", {},
    h("p", { class: `level ${status}` },
      h("span", { class: "big", "data-value": "level" }, `${num(p.currentLevel, 2)} m`),
      h("span", { class: "flag" }, t(`flood:${status}`)),
      p.levelRiseRate > 0 ? h("span", {}, t("rising", { v: num(p.levelRiseRate, 2) })) : null),
    h("div", { class: "gauge", role: "img", "aria-label": `${t("waterLevel")} ${num(p.currentLevel, 2)} m; ${t("alertLine", { m: num(d.flood.alertLevelM, 1) })}; ${t("dangerLine", { m: num(d.flood.dangerLevelM, 1) })}` },
      h("div", { class: "water", style: `height:${pct(p.currentLevel)}` }),
      h("div", { class: "line alert", style: `bottom:${pct(d.flood.alertLevelM)}` }, h("span", {}, t("alertLine", { m: num(d.flood.alertLevelM, 1) }))),
      h("div", { class: "line danger", style: `bottom:${pct(d.flood.dangerLevelM)}` }, h("span", {}, t("dangerLine", { m: num(d.flood.dangerLevelM, 1) })))),
    observed(p));
}

/** @param {Record<string, any> | undefined} p */
function observed(p) {
  return h("p", { class: "when" }, t("observed", { time: localTime(p?.dateObserved) }));
}
