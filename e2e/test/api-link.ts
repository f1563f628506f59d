/**
 * A TCP relay between a proxy and the API that a test can cut and restore: cut closes every connection
 * through it and refuses new ones (the proxy's event stream breaks, its reports fail), as when the network
 * between them goes down; restore lets connections through again.
 */
import net from 'node:net';

export interface ApiLink {
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startApiLink(apiUrl: string): Promise<ApiLink> {
  const target = new URL(apiUrl);
  const sockets = new Set<net.Socket>();
  let isCut = false;
  const server = net.createServer((inbound) => {
    inbound.on('error', () => {});
    if (isCut) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect({ host: target.hostname, port: Number(target.port) });
    outbound.on('error', () => {});
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      isCut = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
