// Progress of a multi-step job, one line per step: a tick and the time it took on a terminal,
// plain "ok" lines otherwise, so a log of the run reads the same.

export class Steps {
  private readonly startedAt = performance.now();
  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  private get tty(): boolean {
    return this.out.isTTY === true && !process.env.NO_COLOR;
  }

  async run<T>(what: string, step: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    if (this.tty) this.out.write(`  … ${what}`);
    try {
      const value = await step();
      const took = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
      this.out.write(this.tty ? `\r  \u001b[32m✓\u001b[0m ${what} \u001b[2m(${took})\u001b[0m\n` : `ok ${what} (${took})\n`);
      return value;
    } catch (err) {
      this.out.write(this.tty ? `\r  \u001b[31m✗\u001b[0m ${what}\n` : `failed ${what}\n`);
      throw err;
    }
  }

  note(text: string): void {
    this.out.write(this.tty ? `  \u001b[2m${text}\u001b[0m\n` : `${text}\n`);
  }

  /** seconds since the job began */
  elapsedS(): number {
    return (performance.now() - this.startedAt) / 1000;
  }
}
