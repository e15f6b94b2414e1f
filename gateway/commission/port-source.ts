// Commissioning straight on a unit's port: this laptop plays the gateway for it (checks its frames
// under its key from the fleet files, acks them so its clock is set and its queue drains, and
// normalizes them as the gateway does), reads its settings on the console, and for a bridge
// notes every unit it relays.

import { ConsoleOp } from "../../firmware/core/console-protocol.js";
import { decode } from "../../shared/cbor.js";
import { loraAirtimeMs } from "../../shared/airtime.js";
import { encodeFrame, parseEnvelope, splitFrame } from "../../shared/envelope.js";
import { AckResult } from "../../shared/messages.js";
import { CliError } from "../cli/errors.js";
import { ackFrame } from "../downlink/ack.js";
import type { FleetFiles } from "../field/fleet-files.js";
import { infoFields, UnitPort } from "../field/unit-port.js";
import { normalize } from "../normalize/index.js";
import type { Device } from "../registry/registry.js";
import { CommissionSession } from "./session.js";

export interface PortSource {
  session: CommissionSession;
  close(): Promise<void>;
}

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
      const relayed = (session.relayed = new Map());
      let frames = 0;
      let ackBytes = 0;
      unit.on("relay", ({ packet, rssiDbm, snrDb10 }) => {
        try {
          const raw = parseEnvelope(decode(splitFrame(packet).signed));
          const r = relayed.get(raw.deviceId) ?? { frames: 0, rssiDbm, snrDb: snrDb10 / 10 };
          relayed.set(raw.deviceId, { frames: r.frames + 1, rssiDbm, snrDb: snrDb10 / 10 });
          // the ack the gateway would send back through this bridge for that frame
          ackBytes = encodeFrame({ type: "ack", deviceId: raw.deviceId, boot: raw.boot, seq: raw.seq, timeS: Math.floor(Date.now() / 1000),
            body: { boot: raw.boot, seq: raw.seq, timeS: Math.floor(Date.now() / 1000), result: AckResult.ok } }, unit.key!).length;
          frames++;
        } catch {
          // not a Pantau frame: something else on the channel
        }
        session.dutyUsed = dutyForAcks(frames, ackBytes, session.startedAt, session.settings ?? {});
      });
      session.dutyUsed = 0;
    }
    return { session, close: () => unit.close() };
  } catch (err) {
    await unit.close();
    throw err;
  }
}

/** Share of the bridge's hourly transmit budget that acks for the traffic heard so far would take. */
function dutyForAcks(frames: number, ackBytes: number, since: number, settings: Record<string, unknown>): number {
  const hours = Math.max(60_000, Date.now() - since) / 3_600_000;
  const sf = typeof settings.sf === "number" ? settings.sf : 10;
  const budgetMs = ((typeof settings.dutyBp === "number" ? settings.dutyBp : 100) / 10_000) * 3_600_000;
  return ((frames / hours) * loraAirtimeMs({ payloadBytes: ackBytes, spreadingFactor: sf })) / budgetMs;
}
