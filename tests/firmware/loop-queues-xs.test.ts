// The loop role on XS where loops are hard: stop-and-go congestion with long stops on the loop,
// and a 1 %/h drift (scenarios and sources in fixtures/loop-roads.ts, the suite and its
// reference in fixtures/loop-road-suite.ts).

import { roadSuite } from "./fixtures/loop-road-suite.js";
import { drifting, stopAndGo } from "./fixtures/loop-roads.js";

roadSuite("loop-queues", [stopAndGo(40, 200), drifting(200)]);
