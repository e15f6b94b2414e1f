import type { RolePage } from "../page.js";

export const loopPage: RolePage = {
  label: { id: "Detektor loop", en: "Loop detector" },
  shows: [{
    kind: "traffic",
    per: { field: "laneId", label: { id: "Lajur {n}", en: "Lane {n}" } },
    title: { id: "Kendaraan per lajur", en: "Vehicles per lane" },
    figures: [
      { field: "intensity", label: { id: "Kendaraan", en: "Vehicles" }, unit: { id: "kendaraan", en: "vehicles" }, chart: true },
      { field: "averageVehicleSpeed", label: { id: "Kecepatan rata-rata", en: "Mean speed" }, unit: { id: "km/jam", en: "km/h" } },
      { field: "occupancy", label: { id: "Okupansi", en: "Occupancy" }, share: true },
    ],
  }],
};
