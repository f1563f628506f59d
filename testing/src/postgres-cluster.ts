/**
 * A PostgreSQL server of its own (initdb + pg_ctl, about a second), for tests that need what the shared
 * server cannot give: logins that ask for a password in each way PostgreSQL asks (SCRAM-SHA-256, md5,
 * cleartext), TLS with a certificate of a throwaway CA, or settings of their own. Runs as the `postgres` user; fails loudly when PostgreSQL's programs
 * are missing.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface PostgresCluster {
  host: string;
  port: number;
  /** The CA (PEM) that signed the server's certificate (for 127.0.0.1 and localhost): TLS is on. */
  caCertificate: string;
  /**
   * Roles that log in with a password over TCP, by method; each has the password `PASSWORDS[method]`. `cert`
   * logs in only over TLS with {@link clientCertificate} (the `cert` method; no password).
   */
  roles: { scram: string; md5: string; password: string; cert: string };
  /** A client certificate (and its key, PEM) of the cluster's CA for the role `cert`. */
  clientCertificate: { certificate: string; key: string };
  /** Runs SQL as the superuser (over the cluster's unix socket: no password). */
  sql(statement: string, database?: string): string;
  stop(): void;
}

export const CLUSTER_PASSWORDS = { scram: 'scram-s3cret', md5: 'md5-s3cret', password: 'clear-s3cret' };

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).sort().at(-1) : undefined;
  const dir = version && join(root, version, 'bin');
  if (!dir || !existsSync(join(dir, 'initdb'))) {
    throw new Error(
      'PostgreSQL server programs are missing (apt postgresql; scripts/ensure-services.sh installs them)',
    );
  }
  return dir;
}

/** A throwaway CA and a server certificate it signs (server.crt, server.key in the data directory). */
function serverCertificate(data: string, uid: number, gid: number): string {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: data, stdio: 'pipe' });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=border0 test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  ]);
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  ]);
  writeFileSync(join(data, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  ]);
  for (const file of ['server.key', 'server.crt', 'ca.crt']) chownSync(join(data, file), uid, gid);
  chmodSync(join(data, 'server.key'), 0o600);
  return readFileSync(join(data, 'ca.crt'), 'utf8');
}

/** A client certificate for `role` (its common name), signed by the CA that `serverCertificate` made. */
function clientCertificate(data: string, role: string): { certificate: string; key: string } {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: data, stdio: 'pipe' });
  openssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${role}`,
    '-keyout',
    'client.key',
    '-out',
    'client.csr',
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    'client.crt',
  ]);
  const pair = {
    certificate: readFileSync(join(data, 'client.crt'), 'utf8'),
    key: readFileSync(join(data, 'client.key'), 'utf8'),
  };
  // The key leaves the data directory in memory only.
  rmSync(join(data, 'client.key'));
  return pair;
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'border0-pg-'));
  chmodSync(dir, 0o755);
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const asPostgres = (program: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, program), ...args], {
      stdio: 'pipe',
    }).toString();
  asPostgres('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const roles = { scram: 'scram_user', md5: 'md5_user', password: 'clear_user', cert: 'cert_user' };
  writeFileSync(
    join(data, 'pg_hba.conf'),
    [
      'local all all trust',
      `host all ${roles.scram} 127.0.0.1/32 scram-sha-256`,
      `host all ${roles.md5} 127.0.0.1/32 md5`,
      `host all ${roles.password} 127.0.0.1/32 password`,
      // The certificate is the only way in for this role: never without TLS.
      `hostssl all ${roles.cert} 127.0.0.1/32 cert`,
      `host all ${roles.cert} 127.0.0.1/32 reject`,
      'host all all 127.0.0.1/32 trust',
      '',
    ].join('\n'),
  );
  chownSync(join(data, 'pg_hba.conf'), uid, gid);
  const caCertificate = serverCertificate(data, uid, gid);
  const certificate = clientCertificate(data, roles.cert);
  const port = await freePort();
  asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on -c ssl_ca_file=ca.crt`,
    '-w',
    'start',
  ]);
  const sql = (statement: string, database = 'postgres') =>
    execFileSync(
      'psql',
      [
        '-h',
        dir,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        database,
        '-v',
        'ON_ERROR_STOP=1',
        '-Atq',
        '-c',
        statement,
      ],
      {
        stdio: 'pipe',
      },
    ).toString();
  sql(`create role ${roles.scram} login superuser password '${CLUSTER_PASSWORDS.scram}'`);
  sql(
    `set password_encryption = 'md5'; create role ${roles.md5} login superuser password '${CLUSTER_PASSWORDS.md5}'`,
  );
  sql(`create role ${roles.password} login superuser password '${CLUSTER_PASSWORDS.password}'`);
  sql(`create role ${roles.cert} login superuser`);
  return {
    host: '127.0.0.1',
    port,
    caCertificate,
    roles,
    clientCertificate: certificate,
    sql,
    stop() {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
