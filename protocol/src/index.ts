/**
 * @border0/protocol: what proxies, connectors and clients say to each other on the wire, shared by all of them
 * (the connector and the clients reach the proxies only over the network, never by importing their code).
 */
export {
  type Asciicast,
  type AsciicastEvent,
  type AsciicastEventCode,
  type AsciicastHeader,
  asciicastEventLine,
  asciicastHeaderLine,
  parseAsciicast,
} from './asciicast.js';
export { type AsciicastSink, AsciicastWriter, type AsciicastWriterOptions } from './asciicast-writer.js';
export { CLIENT_ALPN, parseStatusLine, statusLine } from './client-protocol.js';
export { bridgeDuplex } from './duplex-bridge.js';
/** An in-memory pair of connected streams that behaves like a socket (the web terminal's SSH client and server). */
export { duplexPair, PipeEnd } from './duplex-pair.js';
export { FramedStream } from './framed-stream.js';
export { readJsonLine, writeJsonLine } from './json-line.js';
export { type ChunkSink, LineChunkWriter, type LineChunkWriterOptions } from './line-chunk-writer.js';
export { checkProxyIdentity } from './proxy-identity.js';
export {
  parseSecretReference,
  SECRET_ANSWER_LIMIT,
  SECRET_CHANNEL_ORIGIN,
  SECRET_REQUEST_LIMIT,
  type SecretReference,
} from './secret-channel.js';
export {
  CONNECTOR_USERNAME,
  DATA_ALPN,
  DATA_LINE_LIMIT,
  TUNNEL_ALPN,
  VIRTUAL_FORWARD_PORT,
} from './tunnel-protocol.js';
