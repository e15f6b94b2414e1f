/**
 * Connections that have not logged in yet, capped in number. When the cap is reached, a newcomer
 * is still let in and the oldest waiting connection of the address holding the most is closed:
 * a flood then only churns its own connections, and a client from anywhere else that logs in
 * promptly gets through.
 */
export class PendingConnections<C> {
  private readonly byAddress = new Map<string, Set<C>>();
  private readonly addressOf = new Map<C, string>();

  constructor(
    private readonly max: number,
    private readonly evict: (conn: C) => void,
  ) {}

  get size(): number {
    return this.addressOf.size;
  }

  add(conn: C, address: string): void {
    if (this.addressOf.size >= this.max) this.evictOne();
    const mine = this.byAddress.get(address) ?? new Set<C>();
    this.byAddress.set(address, mine);
    mine.add(conn);
    this.addressOf.set(conn, address);
  }

  /** The connection logged in or closed. */
  delete(conn: C): void {
    const address = this.addressOf.get(conn);
    if (address === undefined) return;
    this.addressOf.delete(conn);
    const mine = this.byAddress.get(address)!;
    mine.delete(conn);
    if (mine.size === 0) this.byAddress.delete(address);
  }

  private evictOne(): void {
    let crowded: Set<C> | undefined;
    for (const conns of this.byAddress.values()) if (!crowded || conns.size > crowded.size) crowded = conns;
    // a Set iterates in insertion order: the first is the oldest
    const oldest = crowded?.values().next().value as C | undefined;
    if (oldest === undefined) return;
    this.delete(oldest);
    this.evict(oldest);
  }
}
