import type { RolePage } from "../page.js";

export const floodPage: RolePage = {
  label: { id: "Pos banjir", en: "Flood gauge" },
  shows: [{
    kind: "flood",
    time: "observationDateTime",
    title: { id: "Tinggi air (m)", en: "Water level (m)" },
    figures: [
      { field: "currentLevel", label: { id: "Tinggi air", en: "Water level" }, unit: { id: "m", en: "m" }, digits: 2, chart: true },
      { field: "levelRiseRate", label: { id: "Naik", en: "Rising" }, unit: { id: "m/jam", en: "m/h" }, digits: 2 },
    ],
    scale: "flood.referenceLevelM",
    lines: [
      { label: { id: "Siaga", en: "Alert" }, registry: "flood.alertLevelM", level: "alert" },
      { label: { id: "Bahaya", en: "Danger" }, registry: "flood.dangerLevelM", level: "danger" },
    ],
    state: {
      field: "floodLevelStatus",
      words: { normal: { id: "normal", en: "normal" }, alert: { id: "SIAGA", en: "ALERT" }, danger: { id: "BAHAYA", en: "DANGER" } },
    },
  }],
  alarms: {
    floodLevelStatus: {
      warning: { id: "Banjir SIAGA: {level} m", en: "Flood ALERT: {level} m" },
      critical: { id: "Banjir BAHAYA: {level} m", en: "Flood DANGER: {level} m" },
    },
  },
};
