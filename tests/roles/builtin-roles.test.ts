// Every built-in role through the abstract role suite (./role-suite.ts).

import { roleSuite } from "./role-suite.js";

const location = { lat: -6.9812, lon: 110.4145 };

roleSuite({
  role: "loop", device: { id: 301, site: "suite-01", name: "suite loop station", location, lanes: [{ lane: 0, direction: "forward" }] },
  settings: { intervalS: 20 }, runMs: 90_000, minReports: 3,
});
roleSuite({
  role: "sign", device: { id: 302, site: "suite-01", name: "suite speed sign", location, sign: { speedLimitKmh: 50 } },
  settings: { statsIntervalS: 10 }, runMs: 60_000, minReports: 5,
});
roleSuite({
  role: "flood", device: { id: 303, site: "suite-01", name: "suite gauge", location, flood: { referenceLevelM: 3, alertLevelM: 1, dangerLevelM: 1.5 } },
  settings: { sensorType: "pressure", reportIntervalS: 30, fastIntervalS: 20 }, runMs: 120_000, minReports: 3,
});
roleSuite({
  role: "bridge", device: { id: 304, site: "suite-01", name: "suite bridge", location },
  settings: { statusS: 30 }, runMs: 60_000, minReports: 0,
});
