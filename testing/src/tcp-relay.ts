/**
 * A TCP relay a test puts between two parts to break the network between them at will: `cut` closes every
 * connection through it and refuses new ones until `restore` (a link that went down); `freeze` stops the
 * current connections from carrying bytes either way while they stay open, as when a peer's machine vanishes
 * without a FIN (new connections relay normally).
 */
import net from 'node:net';

export interface TcpRelay {
  /** The relay's port on 127.0.0.1. */
  port: number;
  /** `http://127.0.0.1:<port>`: the relay's address for an HTTP target (an API URL to hand a proxy). */
  url: string;
  cut(): void;
  restore(): void;
  freeze(): void;
  close(): Promise<void>;
}

/**
 * Relays 127.0.0.1:<a free port> to `target`; a URL works as the target.
 *
 * @example
 * const link = await startTcpRelay(new URL(platform.url));
 * await daemon(children, process.execPath, proxyArgs, { BORDER0_API_URL: link.url }, /listening/);
 * link.cut();
 */
export async function startTcpRelay(target: { hostname?: string; port: number | string }): Promise<TcpRelay> {
  const host = target.hostname || '127.0.0.1';
  const port = Number(target.port);
  const pairs = new Set<[net.Socket, net.Socket]>();
  let isCut = false;
  const server = net.createServer((inbound) => {
    inbound.on('error', () => {});
    if (isCut) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect({ host, port });
    outbound.on('error', () => {});
    const pair: [net.Socket, net.Socket] = [inbound, outbound];
    pairs.add(pair);
    for (const socket of pair) {
      socket.once('close', () => {
        pairs.delete(pair);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  const destroyAll = () => {
    for (const [inbound, outbound] of pairs) {
      inbound.destroy();
      outbound.destroy();
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const own = (server.address() as net.AddressInfo).port;
  return {
    port: own,
    url: `http://127.0.0.1:${own}`,
    cut() {
      isCut = true;
      destroyAll();
    },
    restore() {
      isCut = false;
    },
    freeze() {
      for (const [inbound, outbound] of pairs) {
        inbound.unpipe(outbound);
        outbound.unpipe(inbound);
        inbound.pause();
        outbound.pause();
      }
    },
    async close() {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
