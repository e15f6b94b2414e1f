// Reads provisioned role settings with a default and a range per key. A missing key takes its
// default; a present but unusable one takes its default too and is listed in `invalid`, so a
// role starts with a bad setting (and says so) while a run-time change to it is refused.

import type { Settings } from "./role.js";

export class SettingsReader {
  readonly invalid: string[] = [];

  constructor(private readonly settings: Settings) {}

  int(key: string, fallback: number, min: number, max: number): number {
    const v = this.settings[key];
    if (v === undefined) return fallback;
    if (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max) return v;
    return this.reject(key, fallback);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.settings[key];
    if (v === undefined) return fallback;
    if (typeof v === "boolean") return v;
    if (v === 0 || v === 1) return v === 1;
    return this.reject(key, fallback);
  }

  choice<T extends string>(key: string, fallback: T, values: readonly T[]): T {
    const v = this.settings[key];
    if (v === undefined) return fallback;
    const found = values.find((c) => c === v);
    return found ?? this.reject(key, fallback);
  }

  /** printable ASCII only: the display and the console speak nothing else */
  text(key: string, fallback: string, maxLength: number): string {
    const v = this.settings[key];
    if (v === undefined) return fallback;
    if (typeof v === "string" && v.length <= maxLength && isPrintableAscii(v)) return v;
    return this.reject(key, fallback);
  }

  /** a rule between keys failed: blame the named key */
  fail(key: string): void {
    if (!this.invalid.includes(key)) this.invalid.push(key);
  }

  private reject<T>(key: string, fallback: T): T {
    this.fail(key);
    return fallback;
  }
}

/** A run-time change is refused if its key is unusable or it breaks a rule that held before. */
export function introducesProblem(key: string, invalidAfter: readonly string[], invalidBefore: readonly string[]): boolean {
  return invalidAfter.includes(key) || invalidAfter.some((k) => !invalidBefore.includes(k));
}

function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
