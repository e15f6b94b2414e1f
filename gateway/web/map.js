// @ts-check
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";

/** @typedef {import("./api.js").Device} Device */

/** room around the dots, and at the bottom for the scale bar */
const PAD = { x: 30, top: 30, bottom: 56 };
const WORST = ["offline", "unknown", "online"];

/**
 * The sites as points on a plain drawing: longitude and latitude from the registry, scaled to
 * fit (metres east and north are alike at this scale), no tiles and no internet. A site's dot
 * takes the colour of its worst unit and a number; the list beside it names each site, and
 * choosing one there filters the table to that site.
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
  // drawn at the size it is shown, so its type stays as large as the page's on a phone
  const width = Math.round(Math.min(720, Math.max(320, root.clientWidth || 640)));
  const height = Math.round(width * 0.7);
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const kx = Math.cos((midLat * Math.PI) / 180);
  const spanX = Math.max((Math.max(...lons) - Math.min(...lons)) * kx, 1e-4);
  const spanY = Math.max(Math.max(...lats) - Math.min(...lats), 1e-4);
  const scale = Math.min((width - 2 * PAD.x) / spanX, (height - PAD.top - PAD.bottom) / spanY);
  const x0 = width / 2 - (((Math.min(...lons) + Math.max(...lons)) / 2) * kx) * scale;
  const y0 = PAD.top + (height - PAD.top - PAD.bottom) / 2 + ((Math.min(...lats) + Math.max(...lats)) / 2) * scale;
  const km = 1 / 111.32;
  const barPx = km * scale;
  const located = points.map((p, i) => ({ ...p, n: i + 1, x: x0 + p.lon * kx * scale, y: y0 - p.lat * scale }));
  const svg = h("svg:svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "map-title" },
    h("svg:rect", { x: 0, y: 0, width, height, class: "ground" }),
    located.map((p) => h("svg:g", { class: `site ${p.state}` },
      h("svg:circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 14 }),
      h("svg:text", { x: p.x.toFixed(1), y: (p.y + 6).toFixed(1), "text-anchor": "middle" }, String(p.n)))),
    barPx < width / 2 ? h("svg:g", { class: "scale" },
      h("svg:line", { x1: 20, y1: height - 20, x2: 20 + barPx, y2: height - 20 }),
      h("svg:text", { x: 20, y: height - 30 }, "1 km")) : null);
  // numbered dots and a list beside them: labels never collide, at any width
  const legend = h("ol", { class: "legend" }, located.map((p) => h("li", { class: p.state },
    h("span", { class: "n", "aria-hidden": "true" }, String(p.n)),
    h("a", { href: "#fleet", onclick: (/** @type {Event} */ e) => { e.preventDefault(); onSite(p.site); } }, p.site),
    h("span", {}, ` ${p.units.map((u) => u.id).join(", ")} — ${t(`state:${p.state}`)}`))));
  fill(root, h("h2", { id: "map-title" }, t("map")), h("p", { class: "note" }, t("mapNote")), h("div", { class: "map-body" }, svg, legend));
}
