import type { Logger } from "./log.js";

/**
 * One part of the gateway with a lifecycle. The composition root lists them once, in start
 * order; they stop in the reverse order, so nothing stops while a part that feeds it still runs.
 */
export interface Service {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** A part that is ready once constructed (a store already open) and only needs stopping. */
export function closing(name: string, stop: () => void | Promise<void>): Service {
  return { name, start: () => undefined, stop };
}

/** A task run every `ms` while the service runs; a failure is logged and the next run still comes. */
export function periodic(name: string, ms: number, task: () => unknown, log: Logger): Service {
  let timer: NodeJS.Timeout | undefined;
  return {
    name,
    start: () => {
      timer = setInterval(() => {
        Promise.resolve()
          .then(task)
          .catch((err: unknown) => log.error({ task: name, err: (err as Error).message }, "periodic task failed"));
      }, ms);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}

/** Starts services in order and stops the started ones in reverse; a failed start stops what had started. */
export class ServiceRunner {
  private readonly started: Service[] = [];

  constructor(private readonly log: Logger) {}

  async start(services: readonly Service[]): Promise<void> {
    for (const service of services) {
      try {
        await service.start();
      } catch (err) {
        this.log.error({ service: service.name, err: (err as Error).message }, "service failed to start");
        await this.stop();
        throw err;
      }
      this.started.push(service);
    }
  }

  /** Every started service gets its stop, even when one before it fails. */
  async stop(): Promise<void> {
    let failure: unknown;
    for (const service of this.started.splice(0).reverse()) {
      try {
        await service.stop();
      } catch (err) {
        failure ??= err;
        this.log.error({ service: service.name, err: (err as Error).message }, "service failed to stop");
      }
    }
    if (failure) throw failure;
  }
}
