// The loader of the vendored official schemas: it accepts the models' own examples and reports
// what a message breaks, by path and rule.

import { describe, expect, it } from "vitest";
import { checkOfficial, officialExample, officialValidator, tallyOfficial, type OfficialModel } from "../support/fiware.js";

const MODELS: OfficialModel[] = ["TrafficFlowObserved", "FloodMonitoring", "Alert", "Device"];

describe("official Smart Data Models schemas", () => {
  it.each(MODELS)("accept the %s example published with the model", (model) => {
    const validate = officialValidator(model);
    expect(validate(officialExample(model)), JSON.stringify(validate.errors)).toBe(true);
  });

  it("refuse a lane counted from 0 and name the rule", () => {
    const lane0 = { ...officialExample("TrafficFlowObserved"), laneId: 0 };
    expect(checkOfficial("traffic", lane0)).toEqual({ model: "TrafficFlowObserved", valid: false, errors: ["/laneId minimum"] });
  });

  it("follow the common definitions: a location must be GeoJSON, not {lat, lon}", () => {
    const latLon = { ...officialExample("FloodMonitoring"), location: { lat: -6.2, lon: 106.8 } };
    const verdict = checkOfficial("flood", latLon);
    expect(verdict.valid).toBe(false);
    expect(verdict.errors).toContain("/location required coordinates");
  });

  it("follow the Alert commons: category, alertSource and dateIssued are required", () => {
    const { category: _c, alertSource: _s, dateIssued: _d, ...bare } = officialExample("Alert");
    expect(checkOfficial("alarm", bare).errors).toEqual(["/ required alertSource", "/ required category", "/ required dateIssued"]);
  });

  it("follow the Device commons: controlledProperty takes only the listed properties", () => {
    const odd = { ...officialExample("Device"), controlledProperty: ["vehicleCount"] };
    expect(checkOfficial("status", odd).errors).toEqual(["/controlledProperty/0 enum"]);
  });

  it("count verdicts per kind, ignoring topics that are not a normalized kind", () => {
    const tallies = tallyOfficial([
      { topic: "pantau/v1/s/1/traffic", payload: officialExample("TrafficFlowObserved") },
      { topic: "pantau/v1/s/1/traffic", payload: { ...officialExample("TrafficFlowObserved"), laneId: 0 } },
      { topic: "pantau/v1/s/1/command/result", payload: {} },
    ]);
    expect(tallies).toEqual([{ kind: "traffic", model: "TrafficFlowObserved", valid: 1, total: 2, errors: { "/laneId minimum": 1 } }]);
  });
});
