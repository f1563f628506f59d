/** @border0/server: the control plane, as a library that the CLI composes (`border0 start`). */

export { parseCountryOverrides } from '@border0/geoip';
export { type App, createApp, openApiDocument } from './app.js';
export { type BootstrapResult, bootstrap } from './bootstrap.js';
export { openStore, type Store } from './platform/db/database.js';
export { issueProxyToken } from './proxies/proxy-store.js';
export { type ServerHandle, type ServerOptions, startServer } from './server.js';
