// The loop role on XS in stop-and-go congestion with two other draws of its traffic (every seed
// moved by 10 and by 20): a detector that holds on one draw of a queue and not on another does
// not hold on the road (scenarios and sources in fixtures/loop-roads.ts, the suite and its
// reference in fixtures/loop-road-suite.ts). A file of its own, so that it runs beside the others.

import { roadSuite } from "./fixtures/loop-road-suite.js";
import { stopAndGo } from "./fixtures/loop-roads.js";

roadSuite("loop-draws", [stopAndGo(40, 200, 10), stopAndGo(40, 200, 20)]);
