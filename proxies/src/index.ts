/** @border0/proxies: the data plane. For now: the proxy's end of connector tunnels (the gateway plugs in here). */
export * from './tunnel/index.js';
