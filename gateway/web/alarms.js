// @ts-check
import { fill, h } from "./dom.js";
import { localTime, num, t } from "./i18n.js";
import { roleOf, words } from "./roles.js";

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
      // a role's own alarm in its words (the level of a river), a health alarm in the page's
      const own = d && roleOf(d.role)?.alarms[a.alarmType]?.[a.severity];
      const what = own ? words(own, { level: num(a.level, 2) }) : t(`alarm:${a.alarmType}`);
      return h("li", { class: `alarm ${a.severity}`, "data-alarm": a.alarmType, "data-unit": a.deviceId },
        h("strong", { class: "severity" }, t(`severity:${a.severity}`)),
        h("span", { class: "what" }, what),
        h("a", { href: `#/unit/${a.deviceId}` }, `${a.deviceId} ${d?.name ?? ""}`),
        h("small", {}, t("since", { time: localTime(a.since) })));
    })));
}
