/**
 * The tunnel server's SSH host key. Connectors authenticate the proxy by its TLS certificate, not by this key,
 * so a key generated once per process is enough; an operator may still pin one by passing it in.
 */
import ssh2 from 'ssh2';

let processHostKey: string | undefined;

/** An ed25519 private key in OpenSSH format, generated on first use and reused for the life of the process. */
export function processTunnelHostKey(): string {
  processHostKey ??= ssh2.utils.generateKeyPairSync('ed25519').private;
  return processHostKey;
}
