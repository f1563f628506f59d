/**
 * Pipes two duplex streams into each other (client ↔ tunnel channel) with backpressure both ways, half-close
 * carried across, and teardown of both when either fails or closes for good.
 */
import type { Duplex } from 'node:stream';

/**
 * Connects `a` and `b`. `onClose` runs once, after both are closed, with the first error seen, if any.
 *
 * @example
 * const channel = await tunnels.openChannel(dnsname, { address: socket.remoteAddress, port: socket.remotePort });
 * bridgeDuplex(socket, channel, (error) => log.info({ error }, 'session ended'));
 */
export function bridgeDuplex(a: Duplex, b: Duplex, onClose?: (error?: Error) => void): void {
  let firstError: Error | undefined;
  let closed = 0;
  const onceClosed = () => {
    closed += 1;
    if (closed === 2) onClose?.(firstError);
  };
  const wire = (self: Duplex, other: Duplex) => {
    // pipe() ends `other` when `self` ends: that is the half-close carried across.
    self.pipe(other);
    self.on('error', (error: Error) => {
      firstError ??= error;
      self.destroy();
      other.destroy();
    });
    self.once('close', () => {
      onceClosed();
      // `self` is gone for good: let `other` flush what it was given, then release it.
      if (other.destroyed) return;
      if (other.writableFinished) other.destroy();
      else {
        other.once('finish', () => other.destroy());
        if (!other.writableEnded) other.end();
      }
    });
  };
  wire(a, b);
  wire(b, a);
}
