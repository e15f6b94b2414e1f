// The proof that a role needs no edit to gateway or shared code: a counter station that only this
// test registers runs through the abstract role suite like every built-in role.

import { registerGatewayRole } from "../../gateway/roles/index.js";
import { counterGateway } from "./fixtures/counter/gateway.js";
import { roleSuite } from "./role-suite.js";

registerGatewayRole(counterGateway);

roleSuite({
  role: "counter", device: { id: 309, site: "suite-09", name: "suite counter station", location: { lat: -6.97, lon: 110.42 } },
  settings: { countIntervalS: 10, thresholdCount: 30 }, runMs: 60_000, minReports: 5,
});
