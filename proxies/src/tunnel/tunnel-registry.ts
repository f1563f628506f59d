/**
 * Which live tunnels serve which socket. A socket (by dnsname) may be served by several tunnels (several
 * connectors, or one connector reconnecting); `pick` spreads channels over them round-robin.
 */

export class TunnelRegistry<Tunnel> {
  readonly #bySocket = new Map<string, Tunnel[]>();
  readonly #cursor = new Map<string, number>();

  /** Records that `tunnel` serves `dnsname`; adding twice is harmless. */
  add(dnsname: string, tunnel: Tunnel): void {
    const tunnels = this.#bySocket.get(dnsname);
    if (!tunnels) this.#bySocket.set(dnsname, [tunnel]);
    else if (!tunnels.includes(tunnel)) tunnels.push(tunnel);
  }

  /** Forgets that `tunnel` serves `dnsname`. */
  remove(dnsname: string, tunnel: Tunnel): void {
    const tunnels = this.#bySocket.get(dnsname);
    if (!tunnels) return;
    const index = tunnels.indexOf(tunnel);
    if (index >= 0) tunnels.splice(index, 1);
    if (tunnels.length === 0) {
      this.#bySocket.delete(dnsname);
      this.#cursor.delete(dnsname);
    }
  }

  /** Forgets `tunnel` for every socket: called the moment a tunnel goes away. */
  removeTunnel(tunnel: Tunnel): void {
    for (const dnsname of [...this.#bySocket.keys()]) this.remove(dnsname, tunnel);
  }

  /** The next tunnel serving `dnsname`, round-robin, or undefined when none does. */
  pick(dnsname: string): Tunnel | undefined {
    const tunnels = this.#bySocket.get(dnsname);
    if (!tunnels || tunnels.length === 0) return undefined;
    const cursor = (this.#cursor.get(dnsname) ?? 0) % tunnels.length;
    this.#cursor.set(dnsname, cursor + 1);
    return tunnels[cursor];
  }

  /** How many tunnels serve `dnsname`. */
  count(dnsname: string): number {
    return this.#bySocket.get(dnsname)?.length ?? 0;
  }

  /** Every socket served by at least one tunnel. */
  sockets(): string[] {
    return [...this.#bySocket.keys()];
  }
}
