import type { AnyEnvelope } from "../../shared/envelope.js";
import { ProtocolError } from "../../shared/errors.js";
import type { Device } from "../registry/registry.js";
import type { Normalized } from "./common.js";
import { normalizeFloodAlarm, normalizeFloodReport } from "./flood.js";
import { normalizeSignHistogram, normalizeSignStats } from "./speed.js";
import { normalizeStatus } from "./status.js";
import { normalizeLoopInterval } from "./traffic.js";

export type { Kind, Normalized } from "./common.js";

/** Our wire vocabulary to the command center's: one message type in, one normalized message out. */
export function normalize(env: AnyEnvelope, device: Device, receivedAt: Date): Normalized {
  switch (env.type) {
    case "loopInterval": return normalizeLoopInterval(env, device, receivedAt);
    case "signStats": return normalizeSignStats(env, device, receivedAt);
    case "signHistogram": return normalizeSignHistogram(env, device, receivedAt);
    case "floodReport": return normalizeFloodReport(env, device, receivedAt);
    case "floodAlarm": return normalizeFloodAlarm(env, device, receivedAt);
    case "status": return normalizeStatus(env, device, receivedAt);
    case "ack":
    case "command": throw new ProtocolError("type", `${env.type} is a downlink; devices do not send it`);
    case "commandResult": throw new ProtocolError("type", "a commandResult is an answer, not a reading: the pipeline hands it to the command tracker");
  }
}
