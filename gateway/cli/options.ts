// Value parsers for command options: a bad value is refused by commander with the option named.

import { InvalidArgumentError } from "commander";
import { MAX_DEVICE_ID } from "../../shared/envelope.js";

export function tcpPort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a TCP port number (0..65535)");
  return n;
}

export function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError("must be a positive number");
  return n;
}

export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number in ${min}..${max}`);
    return n;
  };
}

export const deviceId = integerIn(0, MAX_DEVICE_ID);

export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("must be a number");
  return n;
}

/** Repeatable `name=value`, collected into a record; numbers and booleans are typed. */
export function setting(value: string, previous: Record<string, string | number | boolean> = {}): Record<string, string | number | boolean> {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError("must be name=value, e.g. --set statusS=120");
  const name = value.slice(0, at);
  const raw = value.slice(at + 1);
  const typed = raw === "true" ? true : raw === "false" ? false : raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return { ...previous, [name]: typed };
}
