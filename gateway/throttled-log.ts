import type { Logger } from "./log.js";

type Level = "warn" | "error";

interface Window {
  level: Level;
  fields: object;
  message: string;
  repeats: number;
  timer: NodeJS.Timeout;
}

/**
 * Logs the first of a run of identical lines at once, then at most one line per interval saying
 * how often it repeated, so one failing disk or one hostile client cannot flood the log.
 * Lines are identical when their key is (callers pick it: the message plus the error, say).
 */
export class ThrottledLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, fields: object, message: string): void {
    this.write("warn", key, fields, message);
  }

  error(key: string, fields: object, message: string): void {
    this.write("error", key, fields, message);
  }

  /** Writes out the repeats counted so far; for shutdown. */
  flush(): void {
    for (const [key, window] of this.windows) {
      clearTimeout(window.timer);
      this.summarize(window);
      this.windows.delete(key);
    }
  }

  private write(level: Level, key: string, fields: object, message: string): void {
    const open = this.windows.get(key);
    if (open) {
      open.repeats += 1;
      open.fields = fields;
      return;
    }
    this.log[level](fields, message);
    this.open(key, level, fields, message);
  }

  private open(key: string, level: Level, fields: object, message: string): void {
    const timer = setTimeout(() => this.close(key), this.intervalMs);
    timer.unref();
    this.windows.set(key, { level, fields, message, repeats: 0, timer });
  }

  /** A window with repeats reports them and opens the next; a quiet one ends the run. */
  private close(key: string): void {
    const window = this.windows.get(key)!;
    this.windows.delete(key);
    if (window.repeats === 0) return;
    this.summarize(window);
    this.open(key, window.level, window.fields, window.message);
  }

  private summarize(window: Window): void {
    if (window.repeats === 0) return;
    const seconds = this.intervalMs / 1000;
    this.log[window.level]({ ...window.fields, repeated: window.repeats, intervalS: seconds }, `${window.message} (${window.repeats} more times in ${seconds} s)`);
  }
}
