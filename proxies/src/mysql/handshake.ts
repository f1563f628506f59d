/**
 * The connection phase's packets
 * (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets.html): the server's
 * HandshakeV10, the client's HandshakeResponse41 and SSLRequest, read and written. MariaDB's extended
 * capabilities (the last 4 of the 10 reserved bytes) are always written as none.
 */
import { CLIENT } from './capabilities.js';
import { ProtocolError, packet } from './packets.js';
import { Cursor, lenencBytes } from './payload.js';

export interface Greeting {
  serverVersion: string;
  threadId: number;
  /** The 20 bytes the auth methods hash with. */
  scramble: Buffer;
  capabilities: number;
  charset: number;
  status: number;
  plugin: string;
}

export interface HandshakeResponse {
  capabilities: number;
  maxPacket: number;
  charset: number;
  user: string;
  authResponse: Buffer;
  database?: string | undefined;
  plugin?: string | undefined;
  attributes: Map<string, string>;
}

const MAX_PACKET = 16 * 1024 * 1024;

/** Reads a server greeting; an ERR greeting (host blocked, too many connections) throws its message. */
export function readGreeting(payload: Buffer): Greeting {
  const c = new Cursor(payload);
  const protocol = c.u8();
  if (protocol === 0xff) {
    c.u16();
    throw new ProtocolError(`the upstream refused the connection: ${c.rest().toString('utf8')}`);
  }
  if (protocol !== 10) throw new ProtocolError(`unsupported handshake protocol ${protocol}`);
  const serverVersion = c.cstring().toString('utf8');
  const threadId = c.u32();
  const part1 = c.bytes(8);
  c.u8();
  let capabilities = c.u16();
  const charset = c.u8();
  const status = c.u16();
  capabilities |= c.u16() << 16;
  const scrambleLength = c.u8();
  c.bytes(10);
  const part2 =
    capabilities & CLIENT.SECURE_CONNECTION ? c.bytes(Math.max(13, scrambleLength - 8)) : Buffer.alloc(0);
  const plugin = capabilities & CLIENT.PLUGIN_AUTH ? c.cstring().toString('utf8') : 'mysql_native_password';
  const scramble = Buffer.concat([part1, part2]);
  return {
    serverVersion,
    threadId,
    scramble: scramble.subarray(0, scramble.at(-1) === 0 ? scramble.length - 1 : scramble.length),
    capabilities: capabilities >>> 0,
    charset,
    status,
    plugin,
  };
}

/** A HandshakeV10 (sequence id 0). */
export function greetingPacket(greeting: Greeting): Buffer {
  const head = Buffer.alloc(18);
  head.writeUInt32LE(greeting.threadId, 0);
  greeting.scramble.copy(head, 4, 0, 8);
  head.writeUInt16LE(greeting.capabilities & 0xffff, 13);
  head[15] = greeting.charset;
  head.writeUInt16LE(greeting.status, 16);
  const tail = Buffer.alloc(13);
  tail.writeUInt16LE(greeting.capabilities >>> 16, 0);
  tail[2] = greeting.scramble.length + 1;
  return packet(
    0,
    Buffer.concat([
      Buffer.from([10]),
      cstring(greeting.serverVersion),
      head,
      tail,
      greeting.scramble.subarray(8),
      Buffer.from([0]),
      cstring(greeting.plugin),
    ]),
  );
}

/** Whether a client's first packet is an SSLRequest (the 32-byte head of a HandshakeResponse41). */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === 32 && (payload.readUInt32LE(0) & CLIENT.SSL) !== 0;
}

export function readHandshakeResponse(payload: Buffer): HandshakeResponse {
  const c = new Cursor(payload);
  const capabilities = c.u32();
  if (!(capabilities & CLIENT.PROTOCOL_41)) throw new ProtocolError('pre-4.1 clients are not supported');
  const maxPacket = c.u32();
  const charset = c.u8();
  c.bytes(23);
  const user = c.cstring().toString('utf8');
  const authResponse =
    capabilities & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA
      ? c.lenencBytes()
      : capabilities & CLIENT.SECURE_CONNECTION
        ? c.bytes(c.u8())
        : c.cstring();
  const database =
    capabilities & CLIENT.CONNECT_WITH_DB && c.remaining > 0 ? c.cstring().toString('utf8') : undefined;
  const plugin =
    capabilities & CLIENT.PLUGIN_AUTH && c.remaining > 0 ? c.cstring().toString('utf8') : undefined;
  const attributes = new Map<string, string>();
  if (capabilities & CLIENT.CONNECT_ATTRS && c.remaining > 0) {
    const attrs = new Cursor(c.lenencBytes());
    while (attrs.remaining > 0)
      attributes.set(attrs.lenencBytes().toString('utf8'), attrs.lenencBytes().toString('utf8'));
  }
  return {
    capabilities: capabilities >>> 0,
    maxPacket,
    charset,
    user,
    authResponse,
    database,
    plugin,
    attributes,
  };
}

/** The 32-byte head shared by SSLRequest and HandshakeResponse41. */
function responseHead(capabilities: number, charset: number): Buffer {
  const head = Buffer.alloc(32);
  head.writeUInt32LE(capabilities >>> 0, 0);
  head.writeUInt32LE(MAX_PACKET, 4);
  head[8] = charset;
  return head;
}

export function sslRequestPacket(seq: number, capabilities: number, charset: number): Buffer {
  return packet(seq, responseHead(capabilities | CLIENT.SSL, charset));
}

export function handshakeResponsePacket(seq: number, response: HandshakeResponse): Buffer {
  const { capabilities } = response;
  const parts = [responseHead(capabilities, response.charset), cstring(response.user)];
  if (capabilities & CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA) parts.push(lenencBytes(response.authResponse));
  else parts.push(Buffer.from([response.authResponse.length]), response.authResponse);
  if (capabilities & CLIENT.CONNECT_WITH_DB) parts.push(cstring(response.database ?? ''));
  if (capabilities & CLIENT.PLUGIN_AUTH) parts.push(cstring(response.plugin ?? ''));
  if (capabilities & CLIENT.CONNECT_ATTRS) {
    const attrs = Buffer.concat(
      [...response.attributes].flatMap(([key, value]) => [
        lenencBytes(Buffer.from(key, 'utf8')),
        lenencBytes(Buffer.from(value, 'utf8')),
      ]),
    );
    parts.push(lenencBytes(attrs));
  }
  return packet(seq, Buffer.concat(parts));
}

function cstring(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
}
