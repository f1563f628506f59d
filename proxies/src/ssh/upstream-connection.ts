/**
 * The proxy's own SSH connection to an ssh socket's upstream, through the connector's tunnel, logged in the
 * socket's way (password, private key, or a minutes-long certificate of the organization's upstream CA for
 * a key made for this session alone), with the upstream's host key trusted on first use and then required.
 */
import type { Duplex } from 'node:stream';
import { type Border0Client, Border0Error } from '@border0/sdk';
import ssh2 from 'ssh2';
import { resolveSecret, type SecretResolver } from '../session/secret-reference.js';
import { generateEd25519Key } from '../tunnel/host-key.js';
import type { ChannelOrigin } from '../tunnel/tunnel-connection.js';
import { TunnelError } from '../tunnel/tunnel-error.js';
import type { TunnelServer } from '../tunnel/tunnel-server.js';
import { certificateAuthKey } from './certificate-key.js';

export interface UpstreamRequest {
  client: Border0Client;
  sessionId: string;
  /** The login name the client asked for; the socket decides whether it counts. */
  loginName: string;
  /** The tunnel channel to the upstream's SSH port. */
  channel: Duplex;
  /** The socket's dnsname and who resolves its secret references (the connectors serving it). */
  dnsname: string;
  secrets: SecretResolver;
  /** The client's agent, for channels that forward it (only when a policy allows). */
  agent?: ssh2.BaseAgent | undefined;
  readyTimeoutMs?: number;
}

export interface UpstreamConnection {
  ssh: ssh2.Client;
  loginName: string;
  /** `first_use` when this connection made the socket trust the host key. */
  hostKeyTrust: 'known' | 'first_use';
}

/** A failure to reach or log in to the upstream, in words for the person at the client. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
}

/** The connector's tunnel channel to the upstream of the socket `dnsname`, for a client at `origin`. */
export async function openUpstreamChannel(
  tunnels: TunnelServer,
  dnsname: string,
  origin: ChannelOrigin,
): Promise<Duplex> {
  try {
    return await tunnels.openChannel(dnsname, origin);
  } catch (error) {
    throw new UpstreamError(
      error instanceof TunnelError ? error.message : 'the connector could not be reached',
    );
  }
}

export async function connectUpstream(request: UpstreamRequest): Promise<UpstreamConnection> {
  const { client, sessionId } = request;
  const session = { session_id: sessionId };
  // Made whatever the socket's login: it costs a millisecond, and asking twice would cost a round trip.
  const ephemeral = oneOffKey();
  const credentials = await client
    .post('/api/v1/proxy/sessions/{session_id}/ssh-upstream', {
      params: { path: session },
      body: { login_name: request.loginName, public_key: ephemeral.publicLine },
    })
    .catch((error: unknown) => {
      request.channel.destroy();
      throw new UpstreamError(`cannot get the upstream login: ${describe(error)}`);
    });

  try {
    credentials.password = await resolveSecret(
      request.secrets,
      request.dnsname,
      credentials.password,
      'password',
    );
    credentials.private_key = await resolveSecret(
      request.secrets,
      request.dnsname,
      credentials.private_key,
      'private key',
    );
  } catch (error) {
    request.channel.destroy();
    throw new UpstreamError((error as Error).message);
  }
  const ssh = new ssh2.Client();
  let hostKeyTrust: UpstreamConnection['hostKeyTrust'] = 'known';
  let hostKeyProblem: string | undefined;
  const options: ssh2.ConnectConfig = {
    sock: request.channel as unknown as ssh2.ConnectConfig['sock'],
    username: credentials.login_name,
    readyTimeout: request.readyTimeoutMs ?? 20_000,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 3,
    // Forwarding is asked per channel (agentForward on shell/exec); `agentForward` here would ask it for every
    // channel. The login below names its one method, so the agent is never used to log in.
    ...(request.agent && { agent: request.agent }),
    // Asked with the key the upstream presented; the control plane keeps the first and compares later ones.
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
      client
        .put('/api/v1/proxy/sessions/{session_id}/ssh-host-key', {
          params: { path: session },
          body: { host_key: `${keyType(key)} ${key.toString('base64')}` },
        })
        .then(
          (verdict) => {
            hostKeyTrust = verdict.trust;
            verify(true);
          },
          (error: unknown) => {
            hostKeyProblem = describe(error);
            verify(false);
          },
        );
    },
  };
  const username = credentials.login_name;
  if (credentials.authentication_type === 'username_and_password') {
    options.authHandler = [{ type: 'password', username, password: credentials.password ?? '' } as never];
  } else if (credentials.authentication_type === 'private_key') {
    options.authHandler = [{ type: 'publickey', username, key: credentials.private_key ?? '' } as never];
  } else {
    try {
      const key = certificateAuthKey(ephemeral.privateKey, credentials.certificate ?? '');
      options.authHandler = [{ type: 'publickey', username, key } as never];
    } catch (error) {
      request.channel.destroy();
      throw new UpstreamError(`the upstream certificate is unusable: ${(error as Error).message}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      ssh.end();
      reject(
        new UpstreamError(
          hostKeyProblem
            ? `the upstream's host key is not trusted: ${hostKeyProblem}`
            : /authentication methods failed/i.test(error.message)
              ? `the upstream refused the login as ${credentials.login_name} (${credentials.authentication_type})`
              : `cannot connect to the upstream: ${error.message}`,
        ),
      );
    };
    ssh.once('ready', () => {
      ssh.removeListener('error', fail);
      resolve();
    });
    ssh.once('error', fail);
    ssh.connect(options);
  });
  return { ssh, loginName: credentials.login_name, hostKeyTrust };
}

/** A key for this session alone; the certificate the control plane signs for it is worthless without it. */
function oneOffKey(): { privateKey: string; publicLine: string } {
  const privateKey = generateEd25519Key();
  const parsed = ssh2.utils.parseKey(privateKey) as ssh2.ParsedKey;
  return { privateKey, publicLine: `${parsed.type} ${parsed.getPublicSSH().toString('base64')}` };
}

/** The key type named at the start of an SSH public key blob. */
function keyType(blob: Buffer): string {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  return blob.subarray(4, 4 + length).toString('latin1');
}

function describe(error: unknown): string {
  return error instanceof Border0Error ? error.detail : (error as Error).message;
}
