import { createRequire } from "node:module";
import { pino, type Logger } from "pino";
import type PinoPretty from "pino-pretty";
import { REDACT_PATHS } from "./security/redact.js";

const require = createRequire(import.meta.url);

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** human-readable lines in local time; default: when stderr is a terminal */
  pretty?: boolean;
}

/**
 * Logs on stderr, so stdout stays free for command output; secrets redacted. A person at a
 * terminal reads pino-pretty's lines (local time, colour); anything else gets JSON lines.
 */
export function createLogger(options: LoggerOptions | string = {}): Logger {
  const { level = process.env.PANTAU_LOG_LEVEL ?? "info", pretty: human = process.stderr.isTTY === true } =
    typeof options === "string" ? { level: options } : options;
  const settings = { level, base: { app: "pantau" }, redact: { paths: [...REDACT_PATHS], censor: "[redacted]" } };
  if (!human) return pino(settings, pino.destination(2));
  // loaded for a person at a terminal only: a service's JSON lines do without its 29 modules
  const pretty = require("pino-pretty") as typeof PinoPretty;
  const stream = pretty({
    destination: 2, sync: true, colorize: !process.env.NO_COLOR, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname,app",
  });
  return pino(settings, stream);
}
