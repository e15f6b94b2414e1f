import { pino, type Logger } from "pino";
import { REDACT_PATHS } from "./security/redact.js";

export type { Logger };

/** Structured JSON logs on stderr, so stdout stays free for command output; secrets redacted. */
export function createLogger(level = process.env.PANTAU_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { app: "pantau" }, redact: { paths: [...REDACT_PATHS], censor: "[redacted]" } }, pino.destination(2));
}
