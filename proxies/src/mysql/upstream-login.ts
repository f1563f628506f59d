/**
 * The proxy's login to a MySQL/MariaDB socket's upstream with the socket's credentials (the client never sees
 * them): the upstream's greeting is read first (its version, thread id and capabilities shape the client's
 * greeting), then TLS when the socket asks, then HandshakeResponse41 and whatever the server asks:
 * mysql_native_password, caching_sha2_password (fast path; full authentication over TLS, or with the server's
 * RSA key), auth switches between them. Ends at the server's OK; what follows is the relay's.
 */
import type { Duplex } from 'node:stream';
import { type UpstreamTlsSettings, upstreamTls } from '../session/upstream-tls.js';
import { CLIENT } from './capabilities.js';
import { type Greeting, handshakeResponsePacket, readGreeting, sslRequestPacket } from './handshake.js';
import { PacketQueue } from './packet-queue.js';
import { packet } from './packets.js';
import { Cursor } from './payload.js';
import { cachingSha2Password, nativePassword, rsaEncryptedPassword } from './scramble.js';

export interface MysqlCredentials {
  hostname: string;
  username: string;
  password?: string | undefined;
  tls?: UpstreamTlsSettings | undefined;
}

/** A failure to reach or log in to the upstream; `code`/`sqlState` are what the client is told. */
export class UpstreamLoginError extends Error {
  override readonly name = 'UpstreamLoginError';
  constructor(
    message: string,
    readonly code = 2013,
    readonly sqlState = 'HY000',
  ) {
    super(message);
  }
}

export interface UpstreamGreeting {
  channel: Duplex;
  greeting: Greeting;
  queue: PacketQueue;
}

export interface UpstreamSession {
  socket: Duplex;
  /** The server's OK to the login (status flags, session state), for the client's own OK. */
  ok: Buffer;
  /** Bytes the server sent after its OK in the same reads. */
  rest: Buffer;
}

export interface LoginRequest {
  /** The session's capabilities (the client's, less what the proxy strips); SSL is added when needed. */
  capabilities: number;
  charset: number;
  database?: string | undefined;
  attributes: Map<string, string>;
}

const LOGIN_TIMEOUT_MS = 20_000;
const PLUGINS = new Set(['mysql_native_password', 'caching_sha2_password']);

export async function readUpstreamGreeting(channel: Duplex): Promise<UpstreamGreeting> {
  const queue = new PacketQueue(channel, 'the upstream closed the connection before its greeting');
  const timer = setTimeout(
    () => queue.fail(new UpstreamLoginError('the upstream did not greet in time')),
    LOGIN_TIMEOUT_MS,
  );
  try {
    return { channel, greeting: readGreeting((await queue.next()).payload), queue };
  } catch (error) {
    channel.destroy();
    throw error instanceof UpstreamLoginError ? error : new UpstreamLoginError((error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

export async function loginUpstream(
  { channel, greeting, queue }: UpstreamGreeting,
  credentials: MysqlCredentials,
  request: LoginRequest,
): Promise<UpstreamSession> {
  const timer = setTimeout(
    () => queue.fail(new UpstreamLoginError('the upstream did not answer the login in time')),
    LOGIN_TIMEOUT_MS,
  );
  const password = credentials.password ?? '';
  let plugin = PLUGINS.has(greeting.plugin) ? greeting.plugin : 'mysql_native_password';
  try {
    let socket = channel;
    let seq = 1;
    let capabilities =
      (request.capabilities & ~CLIENT.CONNECT_WITH_DB & ~CLIENT.SSL) |
      CLIENT.PROTOCOL_41 |
      CLIENT.SECURE_CONNECTION |
      CLIENT.PLUGIN_AUTH |
      (request.database ? CLIENT.CONNECT_WITH_DB : 0);
    capabilities &= greeting.capabilities;
    if (credentials.tls?.enabled) {
      if (!(greeting.capabilities & CLIENT.SSL))
        throw new UpstreamLoginError('the upstream does not accept TLS');
      channel.write(sslRequestPacket(seq++, capabilities, request.charset));
      capabilities |= CLIENT.SSL;
      queue.release();
      socket = await upstreamTls(channel, credentials.hostname, credentials.tls).catch((error: Error) => {
        throw new UpstreamLoginError(error.message);
      });
      queue.rebind(socket);
    }
    const encrypted = socket !== channel;
    let scramble = greeting.scramble;
    socket.write(
      handshakeResponsePacket(seq, {
        capabilities,
        maxPacket: 0,
        charset: request.charset,
        user: credentials.username,
        authResponse: scrambled(plugin, password, scramble),
        database: request.database,
        plugin,
        attributes: request.attributes,
      }),
    );
    let awaitingKey = false;
    for (;;) {
      const answer = await queue.next();
      const reply = (payload: Buffer) => socket.write(packet(answer.seq + 1, payload));
      const payload = answer.payload;
      if (payload[0] === 0x00) {
        return { socket, ok: payload, rest: queue.detach() };
      } else if (payload[0] === 0xff) {
        const error = readError(payload);
        throw new UpstreamLoginError(
          `the upstream refused the login as ${credentials.username} (${plugin}): ${error.message}`,
          1045,
          '28000',
        );
      } else if (payload[0] === 0xfe && payload.length > 1) {
        const switched = new Cursor(payload.subarray(1));
        plugin = switched.cstring().toString('utf8');
        if (!PLUGINS.has(plugin))
          throw new UpstreamLoginError(`unsupported upstream authentication plugin ${plugin}`, 1045, '28000');
        const data = switched.rest();
        scramble = data.subarray(0, data.at(-1) === 0 ? data.length - 1 : data.length);
        reply(scrambled(plugin, password, scramble));
      } else if (payload[0] === 0x01 && plugin === 'caching_sha2_password') {
        const data = payload.subarray(1);
        if (awaitingKey) {
          // The key travels with the exchange, as with `--get-server-public-key`: the channel is the connector's.
          reply(rsaEncryptedPassword(password, scramble, data.toString('latin1')));
          awaitingKey = false;
        } else if (data[0] === 0x04) {
          if (encrypted) reply(Buffer.from(`${password}\0`, 'utf8'));
          else {
            reply(Buffer.from([0x02]));
            awaitingKey = true;
          }
        } else if (data[0] !== 0x03) {
          throw new UpstreamLoginError('unexpected caching_sha2_password data from the upstream');
        }
      } else {
        throw new UpstreamLoginError(
          `unexpected packet 0x${(payload[0] ?? 0).toString(16)} during the login`,
        );
      }
    }
  } catch (error) {
    channel.destroy();
    if (error instanceof UpstreamLoginError) throw error;
    throw new UpstreamLoginError(`the upstream login failed: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

function scrambled(plugin: string, password: string, scramble: Buffer): Buffer {
  return plugin === 'caching_sha2_password'
    ? cachingSha2Password(password, scramble)
    : nativePassword(password, scramble);
}

/** An ERR_Packet's code, SQLSTATE and message. */
export function readError(payload: Buffer): { code: number; sqlState: string; message: string } {
  const code = payload.length >= 3 ? payload.readUInt16LE(1) : 0;
  const hasState = payload[3] === 0x23; // '#'
  return {
    code,
    sqlState: hasState ? payload.toString('latin1', 4, 9) : 'HY000',
    message: payload.toString('utf8', hasState ? 9 : 3),
  };
}
