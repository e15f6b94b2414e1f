// @ts-check
/** @typedef {import("./api.js").Alarm} Alarm */

/**
 * The open alarms after one live alarm message (a FIWARE Alert): one that has cleared (severity
 * informational: a flood status back to normal, a health alarm over) closes its kind for that
 * unit; anything else opens or replaces it.
 * @param {Alarm[]} open
 * @param {Record<string, any>} msg an alarm message as published on .../alarm
 * @returns {Alarm[]}
 */
export function alarmsOf(open, msg) {
  const rest = open.filter((a) => !(a.deviceId === msg.deviceId && a.alarmType === msg.alarmType));
  if (msg.severity === "informational") return rest;
  return [...rest, {
    deviceId: msg.deviceId,
    site: msg.siteId,
    alarmType: msg.alarmType,
    severity: msg.severity === "critical" ? "critical" : "warning",
    since: msg.alarmType === "deviceOffline" ? msg.lastSeen ?? null : msg.dateIssued,
    description: msg.description,
    ...(typeof msg.currentLevel === "number" ? { level: msg.currentLevel } : {}),
  }];
}
