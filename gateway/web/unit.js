// @ts-check
import { get } from "./api.js";
import { chartsFor, drawCharts } from "./charts.js";
import { CommandPanel } from "./commands.js";
import { CommissionView } from "./commission.js";
import { fill, h } from "./dom.js";
import { ago, localTime, num, t } from "./i18n.js";
import { roleLabel, roleOf } from "./roles.js";

/** @typedef {import("./api.js").Device} Device */
/** @typedef {import("./api.js").Session} Session */
/** @typedef {import("./api.js").Reading} Reading */

const DAY_MS = 24 * 3600_000;
const STATUS_ROWS = 12;

/**
 * One unit: what it is and how it is, its commissioning checks, its last 24 hours as charts, its status history, and its
 * commands (forms for the command center only).
 */
export class UnitView {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    /** @type {Device | null} */
    this.device = null;
    this.commands = new CommandPanel();
    this.commission = new CommissionView();
    this.statusBody = h("tbody");
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pendingRedraw = undefined;
    /** @type {HTMLElement | undefined} */
    this.rejectedEl = undefined;
  }

  /**
   * @param {Device} device
   * @param {Session} session
   */
  show(device, session) {
    const same = this.device?.id === device.id;
    this.device = device;
    if (same && this.root.childElementCount > 0) return this.summary();
    this.summaryEl = h("dl", { class: "summary" });
    this.chartsEl = h("div", { class: "charts" });
    fill(this.root,
      h("p", {}, h("a", { href: "#", class: "back" }, t("back"))),
      h("h2", {}, t("unitTitle", { id: device.id, name: device.name })),
      this.summaryEl,
      this.commission.build(device.id),
      h("section", { "aria-labelledby": "charts-title" }, h("h3", { id: "charts-title" }, t("last24h")), this.chartsEl),
      h("section", { "aria-labelledby": "status-title" }, h("h3", { id: "status-title" }, t("statusHistory")),
        h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-labelledby": "status-title" }, h("table", { class: "history" },
          h("thead", {}, h("tr", {}, [t("time"), t("col:battery"), t("col:signal"), t("col:queue"), t("col:firmware"), t("uptime"), t("faults")].map((c) => h("th", { scope: "col" }, c)))),
          this.statusBody))),
      this.commands.build(device, session),
      this.rejectedEl = h("section", { "aria-labelledby": "rejected-title" }));
    this.summary();
    void this.history(device);
    void this.rejections(device);
  }

  summary() {
    const d = this.device;
    if (!d || !this.summaryEl) return;
    const hl = d.health;
    /** @type {Array<[string, Node | string]>} */
    const rows = [
      ["col:state", h("span", { class: `state ${hl?.state ?? "unknown"}` }, t(`state:${hl?.state ?? "unknown"}`))],
      ["col:role", roleLabel(d.role)],
      ["col:site", d.site],
      ["col:road", [d.road, d.direction].filter(Boolean).join(", ") || "—"],
      ["col:lastSeen", hl?.lastSeen ? `${localTime(hl.lastSeen)} (${ago(hl.lastSeen)})` : t("never")],
      ["col:battery", hl?.batteryVoltage == null ? "—" : `${num(hl.batteryVoltage, 2)} V`],
      ["col:signal", hl?.rssi == null ? "—" : `${num(hl.rssi)} dBm / ${num(hl.snr, 1)} dB`],
      ["col:firmware", d.firmware ?? "—"],
      ["col:queue", num(hl?.queueDepth)],
      ["col:lost", num(hl?.lostFrames ?? 0)],
    ];
    fill(this.summaryEl, rows.map(([k, v]) => h("div", {}, h("dt", {}, t(k)), h("dd", {}, v))));
  }

  /** @param {Device} d */
  async history(d) {
    const from = new Date(Date.now() - DAY_MS).toISOString();
    const kinds = ["status", ...new Set((roleOf(d.role)?.shows ?? []).map((s) => s.kind))];
    /** @type {Record<string, Reading[]>} */
    const byKind = {};
    await Promise.all(kinds.map(async (kind) => {
      const { readings } = await get(`/api/devices/${d.id}/readings?kind=${kind}&from=${encodeURIComponent(from)}&limit=10000`);
      byKind[kind] = readings;
    }));
    if (this.device?.id !== d.id || !this.chartsEl) return;
    const statuses = byKind.status ?? [];
    fill(this.statusBody, statuses.slice(-STATUS_ROWS).reverse().map((r) => statusRow(r.payload)));
    fill(this.chartsEl);
    await drawCharts(this.chartsEl, chartsFor(d, byKind));
  }

  /** @param {Device} d */
  async rejections(d) {
    const { byReason, recent } = await get(`/api/devices/${d.id}/rejections`);
    if (this.device?.id !== d.id || !this.rejectedEl) return;
    const reasons = Object.entries(/** @type {Record<string, number>} */ (byReason));
    fill(this.rejectedEl, h("h3", { id: "rejected-title" }, t("rejected")), h("p", { class: "note" }, t("rejectedNote")),
      reasons.length === 0 ? h("p", {}, t("noRejected")) : [
        h("ul", { class: "reasons" }, reasons.map(([reason, n]) => h("li", {}, h("strong", {}, num(n)), " ", t(`reason:${reason}`)))),
        h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-labelledby": "rejected-title" }, h("table", { class: "history" },
          h("thead", {}, h("tr", {}, [t("time"), t("reason"), t("link")].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, /** @type {Array<{ at: string, reason: string, source: string }>} */ (recent).map((r) => h("tr", {},
            h("td", {}, localTime(r.at)), h("td", {}, t(`reason:${r.reason}`)), h("td", {}, r.source)))))),
      ]);
  }

  /**
   * @param {number} deviceId
   * @param {string} _kind
   * @param {Record<string, any>} _payload
   */
  reading(deviceId, _kind, _payload) {
    if (this.device?.id !== deviceId || this.root.hidden) return;
    this.commission.changed();
    this.pendingRedraw ??= setTimeout(() => {
      this.pendingRedraw = undefined;
      if (this.device && !this.root.hidden) void this.history(this.device);
    }, 30_000);
  }

  /**
   * @param {number} deviceId
   * @param {Record<string, any>} payload
   */
  status(deviceId, payload) {
    if (this.device?.id !== deviceId || this.root.hidden) return;
    this.commission.changed();
    this.statusBody.prepend(statusRow(payload));
    while (this.statusBody.childElementCount > STATUS_ROWS) this.statusBody.lastElementChild?.remove();
  }

  /** @param {Record<string, any>} result */
  commandResult(result) {
    if (this.device?.id === result.deviceId) this.commands.result(result);
  }
}

/** @param {Record<string, any>} p */
function statusRow(p) {
  return h("tr", {},
    h("td", {}, localTime(p.dateObserved)),
    h("td", {}, `${num(p.batteryVoltage, 2)} V`),
    h("td", {}, p.rssi === undefined ? "—" : `${num(p.rssi)} dBm / ${num(p.snr, 1)} dB`),
    h("td", {}, num(p.queueDepth)),
    h("td", {}, p.firmwareVersion ?? "—"),
    h("td", {}, `${num(Math.round((p.uptime ?? 0) / 60))} min`),
    h("td", {}, num(p.faults ?? 0)));
}
