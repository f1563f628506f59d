/**
 * The client's first packets: SSLRequest and GSSENCRequest are declined (the client's side already runs
 * inside the proxy's mTLS, or on the border0 client's loopback listener), then either a StartupMessage or a
 * CancelRequest. Nothing else is answered before the startup: PostgreSQL itself just closes.
 */
import type { Duplex } from 'node:stream';
import { type FrontendReader, ProtocolError } from './frontend-reader.js';
import {
  CANCEL_REQUEST,
  GSSENC_REQUEST,
  negotiateProtocolVersion,
  PROTOCOL_3,
  readStartupParameters,
  SSL_REQUEST,
} from './messages.js';

export type Startup =
  | { kind: 'startup'; parameters: Map<string, string> }
  | { kind: 'cancel'; processId: number; secretKey: number };

/** At most this many declined requests before the startup (libpq sends at most two). */
const MAX_NEGOTIATIONS = 4;

export async function readStartup(client: Duplex, reader: FrontendReader): Promise<Startup> {
  let pending = Buffer.alloc(0);
  for (let negotiations = 0; ; negotiations++) {
    if (negotiations > MAX_NEGOTIATIONS) throw new ProtocolError('too many requests before the startup');
    const packet = await nextPacket(client, reader, pending);
    pending = Buffer.alloc(0);
    const code = packet.body.readInt32BE(0);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      if (packet.body.length !== 4) throw new ProtocolError('malformed encryption request');
      client.write('N');
      continue;
    }
    if (code === CANCEL_REQUEST) {
      if (packet.body.length !== 12) throw new ProtocolError('malformed cancel request');
      return { kind: 'cancel', processId: packet.body.readInt32BE(4), secretKey: packet.body.readInt32BE(8) };
    }
    if (code >> 16 !== 3)
      throw new ProtocolError(`unsupported frontend protocol ${code >> 16}.${code & 0xffff}`);
    const parameters = readStartupParameters(packet.body);
    // A newer minor version or protocol options: say that this proxy speaks 3.0 and knows none of them.
    const options = [...parameters.keys()].filter((key) => key.startsWith('_pq_.'));
    for (const option of options) parameters.delete(option);
    if (code !== PROTOCOL_3 || options.length > 0) client.write(negotiateProtocolVersion(options));
    if (!parameters.has('user')) throw new ProtocolError('no user in the startup message');
    return { kind: 'startup', parameters };
  }
}

/** The next startup packet, from bytes already read or from the client. */
function nextPacket(client: Duplex, reader: FrontendReader, pending: Buffer) {
  return new Promise<{ body: Buffer }>((resolve, reject) => {
    let settled = false;
    const done = () => {
      settled = true;
      client.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onEnd);
      client.pause();
    };
    const onData = (chunk: Buffer) => {
      try {
        const [packet] = reader.push(chunk);
        if (!packet) return;
        done();
        resolve(packet);
      } catch (error) {
        done();
        reject(error);
      }
    };
    const onEnd = () => {
      done();
      reject(new ProtocolError('the client left before the startup'));
    };
    client.on('data', onData).once('end', onEnd).once('close', onEnd).once('error', onEnd);
    onData(pending);
    if (!settled && !client.destroyed) client.resume();
  });
}
