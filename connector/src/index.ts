/** @border0/connector: runs next to private services and holds a tunnel to every proxy. */
export * from './tunnel/index.js';
