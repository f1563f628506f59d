/** @border0/proxies: the data plane's proxy (TLS gateway, tunnels, decisions, sessions). */
export { CLIENT_ALPN, parseStatusLine, statusLine } from '@border0/protocol';
export { type ProxyHandle, type ProxyOptions, startProxy } from './proxy.js';
export * from './tunnel/index.js';
