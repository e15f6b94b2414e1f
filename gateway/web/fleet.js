// @ts-check
import { fill, h } from "./dom.js";
import { ago, localTime, num, t } from "./i18n.js";
import { roleLabel } from "./roles.js";

/** @typedef {import("./api.js").Device} Device */
/** @typedef {{ key: string, value: (d: Device) => string | number | null, cell: (d: Device) => Node | string }} Column */

const stateOf = /** @param {Device} d */ (d) => d.health?.state ?? "unknown";

/** @type {Column[]} */
const COLUMNS = [
  { key: "unit", value: (d) => d.id, cell: (d) => h("a", { href: `#/unit/${d.id}` }, h("span", { class: "id" }, String(d.id)), " ", d.name) },
  { key: "state", value: (d) => ["offline", "unknown", "online"].indexOf(stateOf(d)), cell: (d) => h("span", { class: `state ${stateOf(d)}` }, t(`state:${stateOf(d)}`)) },
  { key: "role", value: (d) => d.role, cell: (d) => roleLabel(d.role) },
  { key: "site", value: (d) => d.site, cell: (d) => d.site },
  { key: "road", value: (d) => d.road ?? "", cell: (d) => d.road ?? "—" },
  { key: "lanes", value: (d) => d.lanes?.length ?? 0, cell: (d) => d.lanes?.map((l) => l.lane).join(", ") || "—" },
  {
    key: "lastSeen",
    value: (d) => d.health?.lastSeen ?? "",
    cell: (d) => h("span", {}, h("time", { datetime: d.health?.lastSeen ?? "" }, localTime(d.health?.lastSeen)), d.health?.lastSeen ? h("small", {}, ` (${ago(d.health.lastSeen)})`) : null),
  },
  {
    key: "battery",
    value: (d) => d.health?.batteryVoltage ?? null,
    cell: (d) => h("span", { class: d.health?.batteryLow ? "bad" : "" }, d.health?.batteryVoltage == null ? "—" : `${num(d.health.batteryVoltage, 2)} V`),
  },
  {
    key: "signal",
    value: (d) => d.health?.rssi ?? null,
    cell: (d) => h("span", { class: d.health?.linkDegraded ? "bad" : "" }, d.health?.rssi == null ? "—" : `${num(d.health.rssi)} dBm / ${num(d.health.snr, 1)} dB`),
  },
  { key: "firmware", value: (d) => d.firmware ?? "", cell: (d) => d.firmware ?? "—" },
  { key: "queue", value: (d) => d.health?.queueDepth ?? null, cell: (d) => num(d.health?.queueDepth) },
  { key: "lost", value: (d) => d.health?.lostFrames ?? 0, cell: (d) => h("span", { class: (d.health?.lostFrames ?? 0) > 0 ? "bad" : "" }, num(d.health?.lostFrames ?? 0)) },
];

const FILTERS = /** @type {const} */ ([
  ["site", "filterSite", (/** @type {Device} */ d) => d.site, (/** @type {string} */ v) => v],
  ["role", "filterRole", (/** @type {Device} */ d) => d.role, (/** @type {string} */ v) => roleLabel(v)],
  ["state", "filterState", stateOf, (/** @type {string} */ v) => t(`state:${v}`)],
]);

/**
 * The fleet table: every unit, sortable by any column, filterable by site, role and state.
 * Silent units sort first by default and stand out. Built once per language; `update` redraws
 * only the rows, so a filter keeps its focus while live data comes in.
 */
export class FleetTable {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    /** @type {Device[]} */
    this.devices = [];
    /** @type {Record<string, string>} */
    this.filters = { site: "", role: "", state: "" };
    this.sort = { key: "state", dir: 1 };
    this.body = h("tbody");
    this.count = h("p", { class: "count", "aria-live": "polite" });
    /** @type {Map<string, HTMLSelectElement>} */
    this.selects = new Map();
  }

  /** Builds the controls and headings in the current language. */
  build() {
    const controls = h("div", { class: "filters" }, FILTERS.map(([key, label]) => {
      const select = /** @type {HTMLSelectElement} */ (h("select", { id: `filter-${key}`, onchange: () => this.setFilter(key, select.value) }));
      this.selects.set(key, select);
      return h("label", { for: `filter-${key}` }, t(label), select);
    }));
    this.head = h("tr", {}, COLUMNS.map((c) => h("th", { scope: "col", "data-key": c.key }, h("button", { type: "button", onclick: () => this.setSort(c.key) }, t(`col:${c.key}`)))));
    fill(this.root, h("h2", { id: "fleet-title" }, t("fleet")), controls, this.count, h("div", { class: "table-wrap" }, h("table", { class: "fleet", "aria-labelledby": "fleet-title" }, h("thead", {}, this.head), this.body)));
    this.update(this.devices);
  }

  /**
   * @param {string} key
   * @param {string} value
   */
  setFilter(key, value) {
    this.filters[key] = value;
    this.update(this.devices);
  }

  /** @param {string} key */
  setSort(key) {
    this.sort = { key, dir: this.sort.key === key ? -this.sort.dir : 1 };
    this.update(this.devices);
  }

  /** @param {Device[]} devices */
  update(devices) {
    this.devices = devices;
    for (const [key, , value, label] of FILTERS) {
      const select = this.selects.get(key);
      if (!select) continue;
      const options = [...new Set(devices.map(value))].sort();
      fill(select, h("option", { value: "" }, t("all")), options.map((o) => h("option", { value: o, selected: this.filters[key] === o }, label(o))));
      select.value = this.filters[key] ?? "";
    }
    for (const th of this.head?.children ?? []) {
      const key = th.getAttribute("data-key");
      if (key === this.sort.key) th.setAttribute("aria-sort", this.sort.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    const column = /** @type {Column} */ (COLUMNS.find((c) => c.key === this.sort.key) ?? COLUMNS[0]);
    const shown = devices
      .filter((d) => FILTERS.every(([key, , value]) => !this.filters[key] || value(d) === this.filters[key]))
      .sort((a, b) => this.sort.dir * compare(column.value(a), column.value(b)) || a.id - b.id);
    fill(this.body, shown.map((d) => h("tr", { class: stateOf(d) === "offline" ? "silent" : "", "data-unit": d.id },
      COLUMNS.map((c, i) => h(i === 0 ? "th" : "td", { "data-label": t(`col:${c.key}`), ...(i === 0 ? { scope: "row" } : {}) }, c.cell(d))))));
    this.count.textContent = t("shown", { n: shown.length, total: devices.length });
  }
}

/**
 * Nulls last, numbers as numbers, text by the page's collation.
 * @param {string | number | null} a
 * @param {string | number | null} b
 */
function compare(a, b) {
  if (a === null || a === "") return b === null || b === "" ? 0 : 1;
  if (b === null || b === "") return -1;
  return typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
}
