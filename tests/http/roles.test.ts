// The page follows the role plug-ins: GET /api/roles answers what the page shows of each role
// (its words, kinds, figures and alarm words), so a role registered only here (the test-only
// counter station) reaches the page with no edit to gateway/web.

import { afterAll, beforeAll, expect, it } from "vitest";
import { gatewayRoles, registerGatewayRole } from "../../gateway/roles/index.js";
import { counterGateway } from "../roles/fixtures/counter/gateway.js";
import type { RunningHttp } from "../../gateway/http/server.js";
import { getJson, startTestHttp, tempStore } from "./support.js";

registerGatewayRole(counterGateway);

let http: RunningHttp;
let cleanup: () => void;

beforeAll(async () => {
  const { store, cleanup: done } = tempStore();
  cleanup = done;
  http = await startTestHttp(store);
});

afterAll(async () => {
  await http.close();
  cleanup();
});

it("serves every registered role's page view, a plug-in role included", async () => {
  const { status, body } = await getJson(`http://127.0.0.1:${http.port}`, "/api/roles");
  expect(status).toBe(200);
  const roles = body.roles as Record<string, { label: { id: string; en: string }; kinds: string[]; shows: Array<{ kind: string; figures: Array<{ field: string }> }>; alarms: Record<string, unknown> }>;
  expect(Object.keys(roles).sort()).toEqual(["bridge", "counter", "flood", "loop", "sign"]);
  expect(roles.counter).toMatchObject({
    label: { id: "Stasiun pencacah", en: "Counter station" },
    kinds: ["count"],
    shows: [{ kind: "count", figures: [{ field: "count" }] }],
  });
  // the built-in roles too: the flood gauge's alarm words by severity, its lines from the registry
  expect(roles.flood!.alarms).toHaveProperty("floodLevelStatus.critical.en", "Flood DANGER: {level} m");
  expect(roles.loop!.shows[0]).toMatchObject({ kind: "traffic", per: { field: "laneId" } });
});

it("points the page only at kinds the role publishes and at properties of their schemas", () => {
  for (const { role, outputs, page } of gatewayRoles()) {
    for (const show of page?.shows ?? []) {
      const properties = Object.keys((outputs[show.kind] as { properties?: object } | undefined)?.properties ?? {});
      for (const field of [...show.figures.map((f) => f.field), ...(show.per ? [show.per.field] : []), ...(show.state ? [show.state.field] : []), ...(show.time ? [show.time] : [])]) {
        expect(properties, `${role.name}: ${show.kind}.${field}`).toContain(field);
      }
    }
  }
});
