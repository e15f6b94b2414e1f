// The loop role on XS on open Indonesian roads: motorcycle-dominant mixed urban traffic and
// toll-road tailgating (scenarios and sources in fixtures/loop-roads.ts, the suite and its
// reference in fixtures/loop-road-suite.ts).

import { roadSuite } from "./fixtures/loop-road-suite.js";
import { mixedUrban, tailgating } from "./fixtures/loop-roads.js";

roadSuite("loop-roads", [mixedUrban(300), tailgating(250)]);
