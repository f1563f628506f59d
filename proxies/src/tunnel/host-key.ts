/**
 * The tunnel server's SSH host key. Connectors authenticate the proxy by its TLS certificate, not by this key,
 * so a key generated once per process is enough; an operator may still pin one by passing it in.
 */
import ssh2 from 'ssh2';

let processHostKey: string | undefined;

/** An ed25519 private key in OpenSSH format, generated on first use and reused for the life of the process. */
export function processTunnelHostKey(): string {
  processHostKey ??= generateEd25519Key();
  return processHostKey;
}

/**
 * ssh2's generator drops a leading zero byte of an ed25519 public key, and then cannot read its own key back
 * (about one key in 256): generate again until ssh2 can parse what it made.
 */
export function generateEd25519Key(): string {
  for (;;) {
    const key = ssh2.utils.generateKeyPairSync('ed25519').private;
    if (!(ssh2.utils.parseKey(key) instanceof Error)) return key;
  }
}
