import type { Logger } from "../log.js";
import type { Service } from "../service.js";
import { wrapFrame, type FrameOrigin, type Link, type LinkState } from "./link.js";

/**
 * Every link the gateway talks to devices on, by name: the configured serial ports, and links
 * that appear while it runs (a Wi-Fi unit's raw topic, a demo unit). Downlinks go back on the
 * link their device was heard on; stopping the set stops every link in it.
 */
export class Links implements Service {
  readonly name = "links";
  private readonly links = new Map<string, Link>();
  private running = false;
  private held = false;

  constructor(private readonly log: Logger, configured: readonly Link[] = []) {
    for (const link of configured) this.links.set(link.name, link);
  }

  get(name: string): Link | undefined {
    return this.links.get(name);
  }

  /** A link added while the gateway runs is started at once. */
  add(link: Link): void {
    this.links.set(link.name, link);
    if (this.held) link.hold?.(true);
    if (this.running) link.start?.();
  }

  /** Every link that can wait stops reading (`true`) or reads again (`false`). */
  hold(on: boolean): void {
    this.held = on;
    for (const link of this.links.values()) link.hold?.(on);
  }

  start(): void {
    this.running = true;
    for (const link of this.links.values()) link.start?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.links.values()].map((l) => l.stop()));
  }

  /** A frame from the gateway to a device, on the link `origin` came in on; false when that link is down. */
  send(origin: FrameOrigin, frame: Uint8Array): boolean {
    const link = this.links.get(origin.source);
    if (!link) {
      this.log.debug({ source: origin.source }, "downlink for a link the gateway does not know");
      return false;
    }
    return link.send(wrapFrame(frame, origin));
  }

  states(): Record<string, LinkState> {
    return Object.fromEntries([...this.links.values()].map((l) => [l.name, l.state]));
  }
}
