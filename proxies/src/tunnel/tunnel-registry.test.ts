/** The socket → tunnels registry: round-robin picks and instant removal of a vanished tunnel. */
import { describe, expect, it } from 'vitest';
import { TunnelRegistry } from './tunnel-registry.js';

describe('TunnelRegistry', () => {
  it('picks the tunnels serving a socket round-robin', () => {
    const registry = new TunnelRegistry<string>();
    registry.add('db.example', 'a');
    registry.add('db.example', 'b');
    registry.add('db.example', 'a');
    expect([1, 2, 3, 4].map(() => registry.pick('db.example'))).toEqual(['a', 'b', 'a', 'b']);
    expect(registry.count('db.example')).toBe(2);
  });

  it('has nothing to pick for a socket no tunnel serves', () => {
    const registry = new TunnelRegistry<string>();
    expect(registry.pick('nobody.example')).toBeUndefined();
  });

  it('forgets a tunnel for every socket at once', () => {
    const registry = new TunnelRegistry<string>();
    registry.add('db.example', 'a');
    registry.add('web.example', 'a');
    registry.add('web.example', 'b');
    registry.removeTunnel('a');
    expect(registry.sockets()).toEqual(['web.example']);
    expect(registry.pick('web.example')).toBe('b');
    expect(registry.pick('db.example')).toBeUndefined();
  });

  it('keeps picking the remaining tunnels after one leaves mid-rotation', () => {
    const registry = new TunnelRegistry<string>();
    for (const t of ['a', 'b', 'c']) registry.add('db.example', t);
    registry.pick('db.example');
    registry.remove('db.example', 'b');
    const seen = new Set([1, 2, 3, 4].map(() => registry.pick('db.example')));
    expect(seen).toEqual(new Set(['a', 'c']));
  });
});
