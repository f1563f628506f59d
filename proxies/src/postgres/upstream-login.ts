/**
 * The proxy's login to a PostgreSQL socket's upstream, through the connector's tunnel channel, with the
 * socket's credentials (the client never sees them): TLS when the socket asks (verified as configured), then
 * the startup message with the client's parameters, then whatever the server asks: SCRAM-SHA-256, md5, a
 * cleartext password, or nothing. Ends at AuthenticationOk; what the server sends after it is the client's.
 */
import type { Duplex } from 'node:stream';
import { LoginStream } from '../session/login-stream.js';
import { type UpstreamTlsSettings, upstreamTls } from '../session/upstream-tls.js';
import { cancelRequest, message, readErrorFields, sslRequest, startupMessage } from './messages.js';
import { md5Password, scramClient } from './scram.js';

export interface PostgresCredentials {
  hostname: string;
  username: string;
  password?: string | undefined;
  tls?: UpstreamTlsSettings | undefined;
}

export interface UpstreamSession {
  socket: Duplex;
  /** What the server sent after AuthenticationOk in the same reads (ParameterStatus, BackendKeyData, ...). */
  rest: Buffer;
  /** Whether the bytes travel in TLS to the upstream. */
  encrypted: boolean;
}

/** A failure to reach or log in to the upstream; `code` is the SQLSTATE for the client. */
export class UpstreamLoginError extends Error {
  override readonly name = 'UpstreamLoginError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const LOGIN_TIMEOUT_MS = 20_000;
const MAX_LOGIN_MESSAGE = 64 * 1024;

export async function loginUpstream(
  channel: Duplex,
  credentials: PostgresCredentials,
  parameters: Map<string, string>,
): Promise<UpstreamSession> {
  const reader = new MessageQueue(channel);
  const timer = setTimeout(
    () => reader.fail(new UpstreamLoginError('the upstream did not answer the login in time', '08006')),
    LOGIN_TIMEOUT_MS,
  );
  try {
    let socket: Duplex = channel;
    if (credentials.tls?.enabled) {
      channel.write(sslRequest());
      const answer = await reader.byte();
      if (answer !== 'S') throw new UpstreamLoginError('the upstream does not accept TLS', '08006');
      // The TLS socket reads the channel from now on: the reader must not take its handshake bytes.
      reader.release();
      socket = await startTls(channel, credentials);
      reader.rebind(socket);
    }
    socket.write(startupMessage(new Map([...parameters, ['user', credentials.username]])));
    let scram: ReturnType<typeof scramClient> | undefined;
    for (;;) {
      const { type, body } = await reader.message();
      if (type === 'E') {
        const fields = readErrorFields(body);
        throw new UpstreamLoginError(
          `the upstream refused the login as ${credentials.username}: ${fields.M ?? 'no reason'}`,
          fields.C === '3D000' ? '3D000' : '28000',
        );
      }
      if (type !== 'R')
        throw new UpstreamLoginError(`the upstream sent ${JSON.stringify(type)} during the login`, '08P01');
      const code = body.readInt32BE(0);
      const password = () => {
        if (credentials.password === undefined)
          throw new UpstreamLoginError('the upstream asks for a password and the socket has none', '28000');
        return credentials.password;
      };
      if (code === 0) {
        reader.detach();
        return { socket, rest: reader.rest(), encrypted: socket !== channel };
      } else if (code === 3) {
        socket.write(message('p', cstringOf(password())));
      } else if (code === 5) {
        socket.write(
          message('p', cstringOf(md5Password(credentials.username, password(), body.subarray(4, 8)))),
        );
      } else if (code === 10) {
        const mechanisms = body.subarray(4).toString('utf8').split('\0');
        if (!mechanisms.includes('SCRAM-SHA-256'))
          throw new UpstreamLoginError(`no supported SASL mechanism in ${mechanisms.join(' ')}`, '28000');
        scram = scramClient(password());
        const first = Buffer.from(scram.first);
        const length = Buffer.alloc(4);
        length.writeInt32BE(first.length);
        socket.write(message('p', Buffer.concat([cstringOf('SCRAM-SHA-256'), length, first])));
      } else if (code === 11 && scram) {
        socket.write(message('p', Buffer.from(await scram.final(body.subarray(4).toString('utf8')))));
      } else if (code === 12 && scram) {
        scram.verify(body.subarray(4).toString('utf8'));
      } else {
        throw new UpstreamLoginError(
          `the upstream asks for an unsupported authentication method (${code})`,
          '28000',
        );
      }
    }
  } catch (error) {
    channel.destroy();
    if (error instanceof UpstreamLoginError) throw error;
    throw new UpstreamLoginError(`the upstream login failed: ${(error as Error).message}`, '08006');
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a CancelRequest for the upstream backend `processId` on a connection of its own. */
export async function sendCancel(
  channel: Promise<Duplex>,
  credentials: PostgresCredentials,
  processId: number,
  secretKey: number,
): Promise<void> {
  const raw = await channel;
  try {
    let socket: Duplex = raw;
    if (credentials.tls?.enabled) {
      const reader = new MessageQueue(raw);
      raw.write(sslRequest());
      if ((await reader.byte()) !== 'S')
        throw new UpstreamLoginError('the upstream does not accept TLS', '08006');
      reader.release();
      socket = await startTls(raw, credentials);
    }
    socket.write(cancelRequest(processId, secretKey));
    // The server closes once it has read the request; it never answers.
    await Promise.race([
      new Promise((resolve) =>
        socket.once('close', resolve).once('end', resolve).once('error', resolve).resume(),
      ),
      new Promise((resolve) => setTimeout(resolve, 5000).unref()),
    ]);
  } finally {
    raw.destroy();
  }
}

function cstringOf(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
}

function startTls(channel: Duplex, credentials: PostgresCredentials): Promise<Duplex> {
  return upstreamTls(channel, credentials.hostname, credentials.tls, ['postgresql']).catch((error: Error) => {
    throw new UpstreamLoginError(error.message, '08006');
  });
}

/** Typed backend messages during the login, read from whichever socket carries them. */
class MessageQueue extends LoginStream {
  #buffer = Buffer.alloc(0);

  protected received(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (this.#buffer.length > MAX_LOGIN_MESSAGE + 5)
      this.fail(new UpstreamLoginError('the upstream sent an oversized login message', '08P01'));
  }

  protected closed(): Error {
    return new UpstreamLoginError('the upstream closed the connection during the login', '08006');
  }

  /** Stops reading: what follows is the relay's. */
  detach(): void {
    this.stop();
  }

  rest(): Buffer {
    return this.#buffer;
  }

  byte(): Promise<string> {
    return this.until(() => {
      if (this.#buffer.length < 1) return undefined;
      const answer = String.fromCharCode(this.#buffer[0]!);
      this.#buffer = this.#buffer.subarray(1);
      return answer;
    });
  }

  message(): Promise<{ type: string; body: Buffer }> {
    return this.until(() => {
      if (this.#buffer.length < 5) return undefined;
      const length = this.#buffer.readInt32BE(1);
      if (length < 4 || length > MAX_LOGIN_MESSAGE)
        throw new UpstreamLoginError(`invalid message length ${length} from the upstream`, '08P01');
      if (this.#buffer.length < 1 + length) return undefined;
      const type = String.fromCharCode(this.#buffer[0]!);
      const body = this.#buffer.subarray(5, 1 + length);
      this.#buffer = this.#buffer.subarray(1 + length);
      return { type, body };
    });
  }
}
