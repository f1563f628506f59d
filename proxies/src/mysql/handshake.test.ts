/** The connection phase's packets: what the proxy writes, it reads back; and what mysql2 sends, it reads. */
import { describe, expect, it } from 'vitest';
import { CLIENT, SUPPORTED } from './capabilities.js';
import {
  greetingPacket,
  handshakeResponsePacket,
  isSslRequest,
  readGreeting,
  readHandshakeResponse,
  sslRequestPacket,
} from './handshake.js';
import { PacketReader } from './packets.js';

const only = (bytes: Buffer) => new PacketReader().push(bytes)[0]!;

describe('HandshakeV10 and HandshakeResponse41', () => {
  it('reads back the greeting it writes', () => {
    const greeting = {
      serverVersion: '5.5.5-10.11.19-MariaDB',
      threadId: 4242,
      scramble: Buffer.from('abcdefghijklmnopqrst'),
      capabilities: SUPPORTED & ~CLIENT.LONG_PASSWORD,
      charset: 45,
      status: 2,
      plugin: 'mysql_native_password',
    };
    const read = only(greetingPacket(greeting));
    expect(read.seq).toBe(0);
    expect(readGreeting(read.payload)).toEqual(greeting);
  });

  it('reads back a response with a database, a plugin and attributes', () => {
    const response = {
      capabilities: SUPPORTED,
      maxPacket: 16 * 1024 * 1024,
      charset: 33,
      user: 'app',
      authResponse: Buffer.alloc(20, 1),
      database: 'shop',
      plugin: 'caching_sha2_password',
      attributes: new Map([
        ['_client_name', 'border0'],
        ['_border0_identity', 'ana@example.com'],
      ]),
    };
    const read = only(handshakeResponsePacket(1, response));
    expect(read.seq).toBe(1);
    expect(readHandshakeResponse(read.payload)).toEqual(response);
  });

  it('tells an SSLRequest from a response', () => {
    expect(isSslRequest(only(sslRequestPacket(1, SUPPORTED, 33)).payload)).toBe(true);
  });

  it('turns an ERR greeting into its message', () => {
    const err = Buffer.concat([Buffer.from([0xff, 0x69, 0x04]), Buffer.from('Host is blocked')]);
    expect(() => readGreeting(err)).toThrow(/Host is blocked/);
  });
});
