/** @border0/connector: runs next to private services and holds a tunnel to every proxy. */
export {
  CONNECTOR_VERSION,
  type ConnectorHandle,
  type ConnectorOptions,
  startConnector,
} from './connector.js';
export * from './discovery/index.js';
export * from './tunnel/index.js';
