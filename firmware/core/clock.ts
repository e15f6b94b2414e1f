// Device time in whole seconds. Until the first ack it counts seconds since boot (the gateway
// tells such times apart: they are far below 2024); each ack from the gateway sets it to wall time.

import type { Platform } from "../platform/platform.js";

export class DeviceClock {
  private baseS = 0;
  private baseUptimeMs = 0;
  private isSynced = false;

  constructor(private readonly platform: Platform) {}

  get synced(): boolean {
    return this.isSynced;
  }

  nowS(): number {
    const uptimeMs = this.platform.uptimeMs();
    if (!this.isSynced) return Math.floor(uptimeMs / 1000);
    return this.baseS + Math.floor((uptimeMs - this.baseUptimeMs) / 1000);
  }

  /** The gateway's time (from an ack) is now. */
  set(timeS: number): void {
    this.baseS = timeS;
    this.baseUptimeMs = this.platform.uptimeMs();
    this.isSynced = true;
  }

  /** Wall time of an instant stamped before the first sync (as seconds since boot). */
  wallFromUptime(uptimeS: number): number {
    return Math.max(0, this.baseS - Math.floor(this.baseUptimeMs / 1000) + uptimeS);
  }
}
