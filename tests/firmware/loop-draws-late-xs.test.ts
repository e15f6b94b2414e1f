// Three more draws of the stop-and-go traffic on XS (every seed moved by 40, 50 and 60), beside
// loop-draws-xs: each found cases the others did not (+40: a car standing across both loops as its
// record closed, a stray given a trail detection the next vehicle owned; +50: a slow rise at
// 0.16 %; +60: a car moving off from a stand just under the threshold, the start before the
// drift is fitted).

import { roadSuite } from "./fixtures/loop-road-suite.js";
import { stopAndGo } from "./fixtures/loop-roads.js";

roadSuite("loop-draws-late", [stopAndGo(40, 200, 40), stopAndGo(40, 200, 50), stopAndGo(40, 200, 60)]);
