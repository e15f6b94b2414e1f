import type { Commands } from "../commands/commands.js";
import type { Links } from "../ingest/links.js";
import type { Logger } from "../log.js";
import type { AckRequest } from "../pipeline/pipeline.js";
import { ackFrame } from "./ack.js";

/**
 * What a unit gets back for an uplink, in this order: its oldest waiting command, then the ack.
 * The unit listens now (on LoRa only in the receive window its uplink opened), and the ack lets
 * its next uplink go, which closes that window: a command sent after the ack could miss it.
 */
export function answerUplink(req: AckRequest, commands: Pick<Commands, "heard">, links: Pick<Links, "send">, log: Logger, now = Date.now()): void {
  commands.heard(req.device, req.origin);
  if (!links.send(req.origin, ackFrame(req, now))) log.debug({ source: req.origin.source, deviceId: req.device.id }, "ack not sent: link down");
}
