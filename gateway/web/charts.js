// @ts-check
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { isSpeedStats } from "./readings.js";

/** @typedef {import("./api.js").Device} Device */
/** @typedef {import("./api.js").Reading} Reading */
/** @typedef {{ title: string, series: Array<{ label: string, stroke: string, dash?: number[] }>, data: Array<Array<number | null>> }} Chart */

/** Dark, distinct strokes that stay readable on white in sunlight. */
const STROKES = ["#0b4f9c", "#b35900", "#1b6e2a", "#7a1fa2"];
const ALERT = "#a35f00";
const DANGER = "#b00020";

/** @type {Promise<any> | undefined} */
let loading;

/** uPlot from its npm package (served under /vendor/), fetched the first time a chart is drawn. */
function uPlot() {
  loading ??= new Promise((resolve, reject) => {
    document.head.append(h("link", { rel: "stylesheet", href: "/vendor/uPlot.min.css" }));
    const script = h("script", { src: "/vendor/uPlot.iife.min.js" });
    script.addEventListener("load", () => resolve(/** @type {any} */ (window).uPlot));
    script.addEventListener("error", () => reject(new Error("uPlot did not load")));
    document.head.append(script);
  });
  return loading;
}

/**
 * Readings keyed by time into aligned columns: x in Unix seconds, one column per series.
 * @param {Reading[]} readings
 * @param {(r: Reading) => number} column which series a reading feeds
 * @param {number} columns
 * @param {(r: Reading) => number | undefined} value
 */
function align(readings, column, columns, value) {
  /** @type {Map<number, Array<number | null>>} */
  const rows = new Map();
  for (const r of readings) {
    const x = Math.round(Date.parse(r.observedAt) / 1000);
    const row = rows.get(x) ?? Array(columns).fill(null);
    row[column(r)] = value(r) ?? null;
    rows.set(x, row);
  }
  const xs = [...rows.keys()].sort((a, b) => a - b);
  return [xs, ...Array.from({ length: columns }, (_, i) => xs.map((x) => rows.get(x)?.[i] ?? null))];
}

/**
 * The charts of a unit's last 24 hours, by role, and its battery.
 * @param {Device} d
 * @param {Record<string, Reading[]>} byKind
 * @returns {Chart[]}
 */
export function chartsFor(d, byKind) {
  /** @type {Chart[]} */
  const charts = [];
  const constant = (/** @type {number[]} */ xs, /** @type {number} */ v) => xs.map(() => v);
  if (d.role === "flood" && d.flood) {
    const [xs = [], level = []] = align(byKind.flood ?? [], () => 0, 1, (r) => r.payload.currentLevel);
    const x = /** @type {number[]} */ (xs);
    charts.push({
      title: t("series:level"),
      series: [{ label: t("series:level"), stroke: STROKES[0] ?? "" }, { label: t("series:alert"), stroke: ALERT, dash: [8, 6] }, { label: t("series:danger"), stroke: DANGER, dash: [8, 6] }],
      data: [x, level, constant(x, d.flood.alertLevelM), constant(x, d.flood.dangerLevelM)],
    });
  }
  if (d.role === "loop") {
    // readings count lanes from 1, as the FIWARE model does; the registry from 0, as the wire does
    const lanes = (d.lanes?.map((l) => l.lane) ?? [0]).map((lane) => lane + 1);
    const data = align((byKind.traffic ?? []).filter((r) => lanes.includes(r.payload.laneId)), (r) => lanes.indexOf(r.payload.laneId), lanes.length, (r) => r.payload.intensity);
    charts.push({ title: t("col:lanes"), series: lanes.map((lane, i) => ({ label: t("series:lane", { lane }), stroke: STROKES[i % STROKES.length] ?? "" })), data });
  }
  if (d.role === "sign") {
    const stats = (byKind.speed ?? []).filter((r) => isSpeedStats(r.payload));
    const [xs = [], mean = []] = align(stats, () => 0, 1, (r) => r.payload.averageVehicleSpeed);
    const [, p85 = []] = align(stats, () => 0, 1, (r) => r.payload.speedPercentile85);
    const [, limit = []] = align(stats, () => 0, 1, (r) => r.payload.speedLimit);
    charts.push({
      title: t("series:mean"),
      series: [{ label: t("series:mean"), stroke: STROKES[0] ?? "" }, { label: t("series:p85"), stroke: STROKES[1] ?? "" }, { label: t("series:limit"), stroke: DANGER, dash: [8, 6] }],
      data: [xs, mean, p85, limit],
    });
  }
  charts.push({ title: t("series:battery"), series: [{ label: t("series:battery"), stroke: STROKES[2] ?? "" }], data: align(byKind.status ?? [], () => 0, 1, (r) => r.payload.batteryVoltage) });
  return charts;
}

/**
 * Draws each chart into its own figure.
 * @param {HTMLElement} root
 * @param {Chart[]} charts
 */
export async function drawCharts(root, charts) {
  const UPlot = await uPlot();
  const width = Math.max(280, root.clientWidth - 8);
  for (const c of charts) {
    const figure = h("figure", { class: "chart" }, h("figcaption", {}, c.title));
    root.append(figure);
    if ((c.data[0]?.length ?? 0) === 0) {
      figure.append(h("p", {}, t("noHistory")));
      continue;
    }
    new UPlot({
      width,
      height: 220,
      legend: { live: false },
      series: [{ label: t("time") }, ...c.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2.5, dash: s.dash, spanGaps: true, points: { show: !s.dash } }))],
      axes: [{ stroke: "#111", grid: { stroke: "#ccc" } }, { stroke: "#111", grid: { stroke: "#ccc" } }],
    }, c.data, figure);
  }
}
