// @ts-check
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";

/** @typedef {import("./api.js").Device} Device */

const WIDTH = 640;
const HEIGHT = 400;
const PAD = 70;
const WORST = ["offline", "unknown", "online"];

/**
 * The sites as points on a plain drawing: longitude and latitude from the registry, scaled to
 * fit (metres east and north are alike at this scale), no tiles and no internet. A site's dot
 * takes the colour of its worst unit; choosing it filters the table to that site.
 * @param {HTMLElement} root
 * @param {Device[]} devices
 * @param {(site: string) => void} onSite
 */
export function renderMap(root, devices, onSite) {
  /** @type {Map<string, Device[]>} */
  const sites = new Map();
  for (const d of devices) sites.set(d.site, [...(sites.get(d.site) ?? []), d]);
  const points = [...sites].map(([site, units]) => ({
    site,
    units,
    lat: units.reduce((s, u) => s + u.location.coordinates[1], 0) / units.length,
    lon: units.reduce((s, u) => s + u.location.coordinates[0], 0) / units.length,
    state: WORST.find((w) => units.some((u) => (u.health?.state ?? "unknown") === w)) ?? "unknown",
  }));
  if (points.length === 0) return fill(root);
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const kx = Math.cos((midLat * Math.PI) / 180);
  const spanX = Math.max((Math.max(...lons) - Math.min(...lons)) * kx, 1e-4);
  const spanY = Math.max(Math.max(...lats) - Math.min(...lats), 1e-4);
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
  const x0 = WIDTH / 2 - (((Math.min(...lons) + Math.max(...lons)) / 2) * kx) * scale;
  const y0 = HEIGHT / 2 + ((Math.min(...lats) + Math.max(...lats)) / 2) * scale;
  const km = 1 / 111.32;
  const barPx = km * scale;
  const svg = h("svg:svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "group", "aria-labelledby": "map-title" },
    h("svg:rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: "ground" }),
    placeLabels(points.map((p) => ({ ...p, x: x0 + p.lon * kx * scale, y: y0 - p.lat * scale }))).map((p) => {
      const anchor = p.left ? "end" : "start";
      const lx = p.left ? p.x - 22 : p.x + 22;
      return h("svg:a", { href: "#fleet", class: `site ${p.state}`, onclick: (/** @type {Event} */ e) => { e.preventDefault(); onSite(p.site); } },
        h("svg:circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 14 }),
        h("svg:text", { x: lx.toFixed(1), y: (p.ly + 6).toFixed(1), "text-anchor": anchor }, p.site),
        h("svg:text", { x: lx.toFixed(1), y: (p.ly + 26).toFixed(1), "text-anchor": anchor, class: "small" }, `${p.units.map((u) => u.id).join(" · ")} — ${t(`state:${p.state}`)}`));
    }),
    barPx < WIDTH / 2 ? h("svg:g", { class: "scale" },
      h("svg:line", { x1: 20, y1: HEIGHT - 20, x2: 20 + barPx, y2: HEIGHT - 20 }),
      h("svg:text", { x: 20, y: HEIGHT - 30 }, "1 km")) : null);
  fill(root, h("h2", { id: "map-title" }, t("map")), h("p", { class: "note" }, t("mapNote")), svg);
}

/**
 * Labels beside their dots (left of those near the right edge), pushed down past labels
 * already placed so that neighbouring sites stay readable.
 * @template {{ x: number, y: number }} P
 * @param {P[]} points
 * @returns {Array<P & { ly: number, left: boolean }>}
 */
function placeLabels(points) {
  /** @type {Array<{ x0: number, x1: number, y0: number, y1: number }>} */
  const boxes = [];
  return [...points].sort((a, b) => a.y - b.y).map((p) => {
    const left = p.x > WIDTH * 0.6;
    const x0 = left ? p.x - 260 : p.x;
    const x1 = left ? p.x : p.x + 260;
    let ly = p.y;
    while (boxes.some((b) => b.x0 < x1 && x0 < b.x1 && b.y0 < ly + 30 && ly - 14 < b.y1)) ly += 8;
    boxes.push({ x0, x1, y0: ly - 14, y1: ly + 30 });
    return { ...p, ly, left };
  });
}
