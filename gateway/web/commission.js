// @ts-check
import { get } from "./api.js";
import { fill, h } from "./dom.js";
import { has, t } from "./i18n.js";

/** @typedef {{ check: string, pass: boolean, reason: string, waiting?: true }} CheckResult */

/** Waits this long after a frame before checking again, so a burst of frames costs one request. */
const SETTLE_MS = 1500;

/**
 * A check's name in the page's language ("lane 1 counting" is "lajur 1 menghitung"); a check the
 * page has no words for yet shows under the gateway's own name.
 * @param {string} check
 */
function checkName(check) {
  const lane = /^lane (\d+) counting$/.exec(check);
  if (lane) return t("check:lane", { lane: lane[1] ?? "" });
  return has(`check:${check}`) ? t(`check:${check}`) : check;
}

/**
 * The commissioning view of one unit: the checks and pass/fail of `pantau commission`, computed
 * by the gateway on what it has heard of the unit, so a crew can commission with a phone.
 */
export class CommissionView {
  constructor() {
    this.root = h("section", { "aria-labelledby": "commission-title", class: "commission" });
    /** @type {number | null} */
    this.deviceId = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.pending = undefined;
  }

  /** @param {number} deviceId */
  build(deviceId) {
    this.deviceId = deviceId;
    fill(this.root, h("h3", { id: "commission-title" }, t("commission")));
    void this.load();
    return this.root;
  }

  /** Something new arrived from the unit: check again shortly. */
  changed() {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      void this.load();
    }, SETTLE_MS);
  }

  async load() {
    const id = this.deviceId;
    if (id === null) return;
    const { pass, checks } = await get(`/api/devices/${id}/commission`);
    if (this.deviceId !== id) return;
    fill(this.root,
      h("h3", { id: "commission-title" }, t("commission")),
      h("p", { class: `verdict ${pass ? "pass" : "fail"}`, "data-pass": String(pass) }, pass ? t("commissionPass") : t("commissionNotYet")),
      h("ul", { class: "checks" }, /** @type {CheckResult[]} */ (checks).map((c) => {
        const state = c.pass ? "pass" : c.waiting ? "waiting" : "fail";
        return h("li", { class: state, "data-check": c.check, "data-state": state },
          h("strong", { class: "mark" }, t(`checkState:${state}`)), " ",
          h("span", { class: "name" }, checkName(c.check)), " ",
          h("small", { lang: "en" }, c.reason));
      })),
      h("p", { class: "note" }, t("commissionNote")));
  }
}
