import { pino, type Logger } from "pino";

export type { Logger };

/** Structured JSON logs on stderr, so stdout stays free for command output. */
export function createLogger(level = process.env.PANTAU_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { app: "pantau" } }, pino.destination(2));
}
