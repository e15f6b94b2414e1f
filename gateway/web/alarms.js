// @ts-check
import { fill, h } from "./dom.js";
import { localTime, num, t } from "./i18n.js";

/** @typedef {import("./api.js").Alarm} Alarm */
/** @typedef {import("./api.js").Device} Device */

/**
 * Open alarms, most severe first, on top of every view.
 * @param {HTMLElement} root
 * @param {Alarm[]} alarms
 * @param {Map<number, Device>} devices
 */
export function renderAlarms(root, alarms, devices) {
  const sorted = [...alarms].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "critical" ? -1 : 1));
  root.classList.toggle("calm", sorted.length === 0);
  fill(root,
    h("h2", {}, t("alarms"), sorted.length ? h("span", { class: "badge" }, String(sorted.length)) : null),
    sorted.length === 0 ? h("p", {}, t("noAlarms")) : h("ul", {}, sorted.map((a) => {
      const d = devices.get(a.deviceId);
      const what = a.alarmType === "floodLevelStatus"
        ? t("alarm:floodLevelStatus", { status: t(`flood:${a.severity === "critical" ? "danger" : "alert"}`), level: num(a.level, 2) })
        : t(`alarm:${a.alarmType}`);
      return h("li", { class: `alarm ${a.severity}`, "data-alarm": a.alarmType, "data-unit": a.deviceId },
        h("strong", { class: "severity" }, t(`severity:${a.severity}`)),
        h("span", { class: "what" }, what),
        h("a", { href: `#/unit/${a.deviceId}` }, `${a.deviceId} ${d?.name ?? ""}`),
        h("small", {}, t("since", { time: localTime(a.since) })));
    })));
}
