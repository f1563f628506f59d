/** End-user clients for tunnel tests: plain TCP connections to a stand-in gateway's client port. */
import { createHash } from 'node:crypto';
import net from 'node:net';

export interface Exchange {
  sha256: string;
  bytes: number;
}

/**
 * Connects to `port`, sends `payload`, half-closes, and digests everything received until the other side
 * ends. Rejects if the connection fails.
 */
export function exchange(port: number, payload: Buffer = Buffer.alloc(0)): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    socket.once('end', () => {
      socket.end();
      resolve({ sha256: hash.digest('hex'), bytes });
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.end(payload));
  });
}

/**
 * Connects to `port`, reads until the other side ends, and only then sends `payload` and half-closes: the
 * reverse of `exchange`. Resolves with what was received once the connection is closed.
 */
export function sendAfterTheirEnd(port: number, payload: Buffer): Promise<{ received: string }> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.once('end', () => socket.end(payload));
    socket.once('error', reject);
    socket.once('close', () => resolve({ received }));
  });
}

/** Connects and resolves once the connection is closed, with what was received: for refused channels. */
export function closedAfter(port: number): Promise<{ bytes: number }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.on('error', () => {});
    socket.once('close', () => resolve({ bytes }));
  });
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
