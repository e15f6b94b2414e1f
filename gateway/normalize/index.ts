import type { AnyEnvelope } from "../../shared/envelope.js";
import { ProtocolError } from "../../shared/errors.js";
import type { Device } from "../registry/registry.js";
import { normalizerFor } from "../roles/index.js";
import type { Normalized } from "./common.js";
import { normalizeStatus } from "./status.js";

export type { Kind, Normalized } from "./common.js";

/**
 * Our wire vocabulary to the command center's: one message type in, one normalized message out.
 * Status frames are every unit's; the rest go to the normalizer of the device's role
 * (gateway/roles/<role>/normalize.ts).
 */
export function normalize(env: AnyEnvelope, device: Device, receivedAt: Date): Normalized {
  if (env.type === "status") return normalizeStatus(env, device, receivedAt);
  const normalizer = normalizerFor(device.role, env.type);
  if (!normalizer) throw new ProtocolError("type", `${env.type} is not a reading a ${device.role} unit sends`);
  return (normalizer as (e: AnyEnvelope, d: Device, at: Date) => Normalized)(env, device, receivedAt);
}
