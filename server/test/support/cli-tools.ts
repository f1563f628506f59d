/**
 * The real tools that will judge our certificates in the field, run on temporary files: openssl for X.509,
 * ssh-keygen for OpenSSH. Each call gets a fresh directory, removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ToolResult {
  status: number | null;
  /** stdout and stderr together, as a person would read them. */
  output: string;
}

/**
 * Writes `files` into a temporary directory and runs `command` there; `{name}` in an argument becomes the
 * path of that file.
 */
export function runTool(
  command: string,
  args: string[],
  files: Record<string, string | Buffer> = {},
): ToolResult {
  const dir = mkdtempSync(join(tmpdir(), 'border0-ca-'));
  try {
    for (const [name, content] of Object.entries(files))
      writeFileSync(join(dir, name), content, { mode: 0o600 });
    const resolved = args.map((a) => a.replace(/\{([\w.-]+)\}/g, (_, name: string) => join(dir, name)));
    // Times in UTC, so that tests can compare what the tools print with what was issued.
    const result = spawnSync(command, resolved, {
      cwd: dir,
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, TZ: 'UTC' },
    });
    if (result.error) throw result.error;
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl verify` of a certificate against one CA, for a TLS purpose (`sslclient` or `sslserver`). */
export function opensslVerify(caPem: string, certificatePem: string, extra: string[] = []): ToolResult {
  return runTool('openssl', ['verify', '-CAfile', '{ca.pem}', ...extra, '{cert.pem}'], {
    'ca.pem': caPem,
    'cert.pem': certificatePem,
  });
}

/** `openssl x509 -text` of a certificate. */
export function opensslText(certificatePem: string): string {
  return runTool('openssl', ['x509', '-noout', '-text', '-in', '{cert.pem}'], { 'cert.pem': certificatePem })
    .output;
}

/** `ssh-keygen -L`: how OpenSSH reads a certificate (it also checks the CA's signature while parsing). */
export function sshKeygenList(certificateLine: string): ToolResult {
  return runTool('ssh-keygen', ['-L', '-f', '{id-cert.pub}'], { 'id-cert.pub': `${certificateLine}\n` });
}

/** `ssh-keygen -l`: the SHA256 fingerprint of a public key line. */
export function sshFingerprint(publicKeyLine: string): string {
  const { output } = runTool('ssh-keygen', ['-l', '-f', '{key.pub}'], { 'key.pub': `${publicKeyLine}\n` });
  return output.split(' ')[1]!;
}

/** A key pair made by ssh-keygen itself: `-t ed25519`, `-t ecdsa -b 384`, `-t rsa -b 3072`… */
export function sshKeygenKey(args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'border0-key-'));
  try {
    const result = spawnSync('ssh-keygen', ['-q', '-N', '', '-C', 'test', ...args, '-f', join(dir, 'id')], {
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')}: ${result.stderr}`);
    return readFileSync(join(dir, 'id.pub'), 'utf8').trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
