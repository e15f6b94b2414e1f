// Node-RED settings for the bench's comparison flow (flow.json). The bench starts Node-RED with
// these: no editor, a free port on loopback, and in the function context what a Node-RED user
// would wire in for this job: a CBOR decoder, Node's crypto, and the fleet (registry + keys files
// the bench also gives the Pantau gateway), loaded once at start.
const { readFileSync } = require("node:fs");
const { Decoder } = require("cbor-x");

const registry = JSON.parse(readFileSync(process.env.PANTAU_FLEET, "utf8"));
const keys = JSON.parse(readFileSync(process.env.PANTAU_KEYS, "utf8"));
const fleet = new Map(registry.devices.map((device) => [device.id, { device, key: Buffer.from(keys[device.id], "hex") }]));

module.exports = {
  uiHost: "127.0.0.1",
  uiPort: Number(process.env.PANTAU_NODE_RED_PORT),
  httpAdminRoot: false,
  httpNodeRoot: false,
  credentialSecret: false,
  flowFilePretty: true,
  logging: { console: { level: "info", metrics: false, audit: false } },
  functionGlobalContext: {
    cbor: new Decoder({ mapsAsObjects: true, useRecords: false }),
    crypto: require("node:crypto"),
    fleet,
  },
};
