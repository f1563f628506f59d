/** Connector tunnels, proxy side: accept tunnel streams, track which connector serves which socket, open channels. */
export { bridgeDuplex, CONNECTOR_USERNAME, DATA_ALPN, TUNNEL_ALPN } from '@border0/protocol';
export { processTunnelHostKey } from './host-key.js';
export { TunnelChannel } from './tunnel-channel.js';
export type {
  AuthenticateConnector,
  ChannelOrigin,
  ConnectorGrant,
  TunnelConnection,
  TunnelLogger,
  TunnelState,
} from './tunnel-connection.js';
export { TunnelError, type TunnelErrorCode } from './tunnel-error.js';
export { TunnelRegistry } from './tunnel-registry.js';
export { type TunnelInfo, TunnelServer, type TunnelServerOptions } from './tunnel-server.js';
