// The loop role on XS in stop-and-go congestion with other draws of its traffic (every seed moved
// by 10, 20 and 30; loop-draws-late-xs moves them by 40, 50 and 60): a detector that holds on one
// draw of a queue and not on another does not hold on the road (scenarios and sources in
// fixtures/loop-roads.ts, the suite and its reference in fixtures/loop-road-suite.ts). Files of
// their own, so that they can run beside the others.

import { roadSuite } from "./fixtures/loop-road-suite.js";
import { stopAndGo } from "./fixtures/loop-roads.js";

roadSuite("loop-draws", [stopAndGo(40, 200, 10), stopAndGo(40, 200, 20), stopAndGo(40, 200, 30)]);
