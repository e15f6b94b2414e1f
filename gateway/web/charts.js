// @ts-check
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { registryValue, roleOf, shownBy, words } from "./roles.js";

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
 * Readings keyed by time into aligned columns: x in Unix seconds, then one column per picker
 * (a picker answers undefined for a reading that is not its series').
 * @param {Reading[]} readings
 * @param {Array<(r: Reading) => number | undefined>} pickers
 */
function align(readings, pickers) {
  /** @type {Map<number, Array<number | null>>} */
  const rows = new Map();
  for (const r of readings) {
    const x = Math.round(Date.parse(r.observedAt) / 1000);
    const row = rows.get(x) ?? Array(pickers.length).fill(null);
    pickers.forEach((pick, i) => {
      const v = pick(r);
      if (typeof v === "number") row[i] = v;
    });
    rows.set(x, row);
  }
  const xs = [...rows.keys()].sort((a, b) => a - b);
  return [xs, ...pickers.map((_, i) => xs.map((x) => rows.get(x)?.[i] ?? null))];
}

/**
 * The charts of a unit's last 24 hours, as its role describes them (one per kind shown: its
 * charted figures, per entity when it has several, and the unit's lines), and its battery.
 * @param {Device} d
 * @param {Record<string, Reading[]>} byKind
 * @returns {Chart[]}
 */
export function chartsFor(d, byKind) {
  /** @type {Chart[]} */
  const charts = [];
  for (const s of roleOf(d.role)?.shows ?? []) {
    const readings = (byKind[s.kind] ?? []).filter((r) => shownBy(s, r.payload));
    const figures = s.figures.filter((f) => f.chart);
    const per = s.per;
    // several entities (lanes): the first charted figure, one series each
    const entities = per ? [...new Set(readings.map((r) => r.payload[per.field]))].sort((a, b) => a - b) : [];
    /** @type {Array<Chart["series"][number] & { pick: (r: Reading) => number | undefined }>} */
    const series = per
      ? entities.map((n, i) => ({ label: `${words(per.label, { n })}${unitOf(figures[0])}`, stroke: STROKES[i % STROKES.length] ?? "", pick: (r) => (r.payload[per.field] === n ? r.payload[figures[0]?.field ?? ""] : undefined) }))
      : figures.map((f, i) => ({ label: `${words(f.label, {})}${unitOf(f)}`, stroke: f.dashed ? DANGER : STROKES[i % STROKES.length] ?? "", ...(f.dashed ? { dash: [8, 6] } : {}), pick: (r) => r.payload[f.field] }));
    if (series.length === 0) continue;
    const [xs = [], ...columns] = align(readings, series.map((c) => c.pick));
    const x = /** @type {number[]} */ (xs);
    const lines = (s.lines ?? []).flatMap((l) => {
      const at = registryValue(d, l.registry);
      return at === undefined ? [] : [{ label: `${words(l.label)}${unitOf(figures[0])}`, stroke: l.level === "danger" ? DANGER : ALERT, dash: [8, 6], data: x.map(() => at) }];
    });
    charts.push({
      title: words(s.title),
      series: [...series.map(({ pick: _p, ...line }) => line), ...lines.map(({ data: _d, ...line }) => line)],
      data: [x, ...columns, ...lines.map((l) => l.data)],
    });
  }
  charts.push({ title: t("series:battery"), series: [{ label: t("series:battery"), stroke: STROKES[2] ?? "" }], data: align(byKind.status ?? [], [(r) => r.payload.batteryVoltage]) });
  return charts;
}

/**
 * " (km/h)" after a series' name, or nothing.
 * @param {import("./roles.js").Figure | undefined} f
 */
function unitOf(f) {
  return f?.unit ? ` (${words(f.unit)})` : "";
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
