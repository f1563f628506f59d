/**
 * Statements the proxy itself runs upstream: the read-only guard right after the login, and `KILL QUERY` on a
 * connection of its own when a session ends while a statement runs (MySQL has no cancel message).
 */
import type { Duplex } from 'node:stream';
import { CLIENT } from './capabilities.js';
import { PacketQueue } from './packet-queue.js';
import { packet } from './packets.js';
import {
  loginUpstream,
  type MysqlCredentials,
  readError,
  readUpstreamGreeting,
  UpstreamLoginError,
} from './upstream-login.js';

const COM_QUIT = 0x01;
const COM_QUERY = 0x03;
const KILL_TIMEOUT_MS = 5000;

/**
 * Runs a statement whose answer is a single OK or ERR (SET, KILL) on a logged-in connection; `rest` is what
 * was read past the login. Resolves with what was read past the answer.
 */
export async function runUpstreamStatement(socket: Duplex, rest: Buffer, sql: string): Promise<Buffer> {
  const queue = new PacketQueue(socket, 'the upstream closed the connection');
  queue.feed(rest);
  socket.write(packet(0, Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from(sql, 'utf8')])));
  const answer = await queue.next();
  const unread = queue.detach();
  if (answer.payload[0] === 0xff) {
    const error = readError(answer.payload);
    throw new UpstreamLoginError(`the upstream refused "${sql}": ${error.message}`);
  }
  if (answer.payload[0] !== 0x00) throw new UpstreamLoginError(`unexpected answer to "${sql}"`);
  return unread;
}

/** Stops the statement running on the upstream thread `threadId`, from a connection of its own. */
export async function killQuery(
  channel: Promise<Duplex>,
  credentials: MysqlCredentials,
  threadId: number,
): Promise<void> {
  const greeted = await readUpstreamGreeting(await channel);
  const timer = setTimeout(() => greeted.channel.destroy(), KILL_TIMEOUT_MS);
  try {
    const session = await loginUpstream(greeted, credentials, {
      capabilities:
        CLIENT.LONG_PASSWORD | CLIENT.TRANSACTIONS | CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA | CLIENT.LONG_FLAG,
      charset: greeted.greeting.charset,
      attributes: new Map(),
    });
    await runUpstreamStatement(session.socket, session.rest, `KILL QUERY ${threadId}`);
    session.socket.end(packet(0, Buffer.from([COM_QUIT])));
  } finally {
    clearTimeout(timer);
    greeted.channel.destroy();
  }
}
