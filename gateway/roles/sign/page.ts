import type { RolePage } from "../page.js";

const KMH = { id: "km/jam", en: "km/h" };

export const signPage: RolePage = {
  label: { id: "Rambu kecepatan", en: "Speed sign" },
  shows: [{
    kind: "speed",
    // its histograms are traffic flow too: the statistics are the records without bins
    without: "bins",
    title: { id: "Kecepatan (km/jam)", en: "Speeds (km/h)" },
    figures: [
      { field: "averageVehicleSpeed", label: { id: "Rata-rata", en: "Mean" }, unit: KMH, digits: 1, chart: true },
      { field: "speedPercentile85", label: { id: "Persentil 85", en: "85th percentile" }, unit: KMH, chart: true },
      { field: "overSpeedLimitShare", label: { id: "Melebihi batas {speedLimit} km/jam", en: "Over the {speedLimit} km/h limit" }, share: true },
      { field: "intensity", label: { id: "Kendaraan", en: "Vehicles" } },
      { field: "speedLimit", label: { id: "Batas", en: "Limit" }, unit: KMH, chart: true, dashed: true },
    ],
  }],
};
