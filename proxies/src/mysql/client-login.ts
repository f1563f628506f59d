/**
 * The client's side of the connection phase: the proxy greets it with the upstream's version, thread id,
 * character set and status, and the capabilities both the upstream and the relay have (no TLS: the client's
 * side already runs inside the proxy's mTLS or the CLI's local listener; none of the layouts the relay does
 * not read), then takes its HandshakeResponse41 with any or no password: the client is known by its
 * certificate. A refused client is reported as a denied session.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { type AdmittedClient, type ConnectionContext, sessionBody } from '../session/client-admission.js';
import { REQUIRED, SUPPORTED } from './capabilities.js';
import {
  type Greeting,
  greetingPacket,
  type HandshakeResponse,
  isSslRequest,
  readHandshakeResponse,
} from './handshake.js';
import { PacketQueue } from './packet-queue.js';
import { ProtocolError } from './packets.js';

export interface ClientLogin {
  response: HandshakeResponse;
  /** The session's capabilities: the client's, of those offered. */
  capabilities: number;
  /** The sequence id of the proxy's answer to the login. */
  okSeq: number;
  /** What the client sent past its login, already read. */
  clientRest: Buffer;
}

/** Throws ProtocolError when the client leaves or breaks the protocol. */
export async function greetClient(client: Duplex, upstream: Greeting): Promise<ClientLogin> {
  const offered = upstream.capabilities & SUPPORTED;
  // Scrambles are printable, as servers make them: some clients stop at a NUL.
  const scramble = Buffer.from(randomBytes(20).map((b) => (b % 94) + 33));
  client.write(
    greetingPacket({ ...upstream, capabilities: offered, scramble, plugin: 'mysql_native_password' }),
  );
  const login = new PacketQueue(client, 'the client left during the login');
  const first = await login.next();
  if (isSslRequest(first.payload)) throw new ProtocolError('TLS was not offered');
  const response = readHandshakeResponse(first.payload);
  if ((response.capabilities & REQUIRED) !== REQUIRED)
    throw new ProtocolError('the client speaks a protocol older than 4.1');
  return {
    response,
    capabilities: response.capabilities & offered,
    okSeq: first.seq + 1,
    clientRest: login.detach(),
  };
}

export async function reportDenied(ctx: ConnectionContext, admitted: AdmittedClient, reason: string) {
  const { identity, origin, lookup } = admitted;
  await ctx.client
    .post('/api/v1/proxy/sessions', {
      body: sessionBody(
        {
          socketId: lookup.socket.id,
          identity,
          ip: origin.address,
          port: origin.port,
          country: null,
          reason,
        },
        'denied',
      ),
    })
    .catch((error: unknown) => admitted.log.warn({ err: error }, 'session report failed'));
}
