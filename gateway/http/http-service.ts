import type { Service } from "../service.js";
import { startHttp, type HttpDeps, type HttpOptions, type RunningHttp } from "./server.js";

/** The HTTP side as one of the gateway's services. */
export class HttpService implements Service {
  readonly name = "http";
  private running: RunningHttp | undefined;

  constructor(
    private readonly options: HttpOptions,
    private readonly deps: HttpDeps,
  ) {}

  /** the bound port once started (0 in the options asks the OS for a free one) */
  get port(): number {
    if (!this.running) throw new Error("the HTTP service has not started");
    return this.running.port;
  }

  async start(): Promise<void> {
    this.running = await startHttp(this.options, this.deps);
  }

  async stop(): Promise<void> {
    await this.running?.close();
    this.running = undefined;
  }
}
