/** A free TCP port on 127.0.0.1, for a process under test to listen on. */
import { createServer } from 'node:net';

/**
 * A port nothing listens on right now (the kernel's pick, so never one that fetch refuses as "bad"). Another
 * process may take it before the caller binds it: fixtures that start listeners retry on "address in use".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
