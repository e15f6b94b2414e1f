// Commissioning straight on a unit's port: this laptop plays the gateway for it (checks its frames
// under its key from the fleet files, acks them so its clock is set and its queue drains, and
// normalizes them as the gateway does), reads its settings on the console, and for a bridge
// notes every unit it relays (and acks, through the bridge, those of the fleet).

import { randomInt } from "node:crypto";
import { ConsoleOp } from "../../firmware/core/console-protocol.js";
import { decode } from "../../shared/cbor.js";
import { micMatches, openEnvelope, parseEnvelope, splitFrame } from "../../shared/envelope.js";
import { AckResult } from "../../shared/messages.js";
import { encodeRelayDown } from "../../shared/relay.js";
import { CliError } from "../cli/errors.js";
import { ackFrame } from "../downlink/ack.js";
import type { FleetFiles } from "../field/fleet-files.js";
import { infoFields, UnitPort } from "../field/unit-port.js";
import { normalize } from "../normalize/index.js";
import { nodeMac } from "../pipeline/verify.js";
import type { Device } from "../registry/registry.js";
import { roleNamed } from "../../shared/roles/catalog.js";
import { RelayTally } from "./relay-tally.js";
import { CommissionSession } from "./session.js";

const CLOCK_POLL_MS = 2000;

export interface PortSource {
  session: CommissionSession;
  /** present when the unit's role declares a display test: runs it (signed), its answer lands in session.displayTest */
  displayTest?: () => void;
  close(): Promise<void>;
}

/** the unit gives up on its board after 3 s of its own; the rest is the PTY and the console's turn */
const DISPLAY_TEST_WAIT_MS = 8000;

export async function commissionOnPort(path: string, files: FleetFiles, baud?: number): Promise<PortSource> {
  const unit = await UnitPort.open(path, baud);
  try {
    const info = infoFields(await unit.ok(ConsoleOp.info, 0, null));
    if (info.provisioned !== true) throw new CliError(`the unit on ${path} is not provisioned`, `provision it first: pantau provision --port ${path} --id <n>`);
    const id = Number(info.id);
    const entry = files.entry(id);
    const key = files.keyOf(id);
    if (!entry || !key) throw new CliError(`unit ${id} on ${path} is not in the fleet registry with a key`, "pass the --config (or --registry and --keys) it was provisioned with");
    unit.key = Uint8Array.from(Buffer.from(key, "hex"));
    const { key: _k, ...bare } = entry;
    const device: Device = { ...bare, keyBytes: unit.key };
    const session = new CommissionSession(bare, path);
    session.settings = Object.fromEntries(await unit.ok(ConsoleOp.getSettings, 0, null) as Map<string, string | number | boolean>);
    const seen = new Set<string>();
    unit.on("envelope", (envelope) => {
      if (envelope.deviceId !== id) return;
      unit.send(ackFrame({ device, envelope, origin: { source: path }, result: AckResult.ok }));
      const once = `${envelope.boot}:${envelope.seq}`;
      if (seen.has(once)) return; // a resend of a frame whose ack it missed
      seen.add(once);
      try {
        const message = normalize(envelope, device, new Date());
        session.add(message.kind, message.payload);
      } catch {
        // a command answer: not a reading
      }
    });
    if (entry.role === "bridge") {
      const tally = new RelayTally();
      session.relayed = tally.units;
      const sf = typeof session.settings.sf === "number" ? session.settings.sf : 10;
      const dutyBp = typeof session.settings.dutyBp === "number" ? session.settings.dutyBp : 100;
      unit.on("relay", ({ packet, rssiDbm, snrDb10 }) => {
        try {
          const split = splitFrame(packet);
          const raw = parseEnvelope(decode(split.signed));
          tally.add(raw, rssiDbm, snrDb10);
          // a unit of this fleet is acked through the bridge, as the gateway would: its queue moves on
          const heardKey = files.keyOf(raw.deviceId);
          const heard = files.entry(raw.deviceId);
          if (heardKey && heard && micMatches(Uint8Array.from(Buffer.from(heardKey, "hex")), split, nodeMac)) {
            const { key: _hk, ...rest } = heard;
            const envelope = openEnvelope(raw);
            unit.send(encodeRelayDown(ackFrame({ device: { ...rest, keyBytes: Uint8Array.from(Buffer.from(heardKey, "hex")) }, envelope, origin: { source: path }, result: AckResult.ok })));
          }
        } catch {
          return; // not a Pantau frame: something else on the channel
        }
        session.dutyUsed = tally.ackDutyShare(sf, dutyBp);
      });
    }
    // one console request at a time: the clock poll and a display test take turns
    let turn: Promise<unknown> = Promise.resolve();
    const inTurn = (ask: () => Promise<unknown>): void => {
      turn = turn.then(ask).catch(() => undefined);
    };
    // the unit's own word on its clock, in answers carrying its MIC, while the view runs
    const poll = setInterval(() => inTurn(async () => {
      session.clockSynced = infoFields(await unit.ok(ConsoleOp.selfTest, randomInt(1, 0xffffffff), null)).clockSynced === true;
    }), CLOCK_POLL_MS);
    const displayTest = () => {
      if (session.displayTest === "running") return;
      session.displayTest = "running";
      inTurn(async () => {
        try {
          const counter = Number(infoFields(await unit.ok(ConsoleOp.info, 0, null)).counter) + 1;
          const r = infoFields(await unit.ok(ConsoleOp.roleTest, counter, new Map([["test", "display"]]), true, DISPLAY_TEST_WAIT_MS));
          session.displayTest = { pass: r.pass === true, found: String(r.found) };
        } catch (err) {
          session.displayTest = { pass: false, found: `the test did not run: ${(err as Error).message}` };
        }
      });
    };
    return {
      session,
      ...(roleNamed(entry.role)?.tests?.display ? { displayTest } : {}),
      close: async () => {
        clearInterval(poll);
        await unit.close();
      },
    };
  } catch (err) {
    await unit.close();
    throw err;
  }
}

