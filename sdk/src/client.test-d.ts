import { describe, expectTypeOf, it } from 'vitest';
import { createClient, type ModifiablePath, type PagedPath } from './client.js';
import type { components, paths } from './generated/api.js';

const b0 = createClient({ baseUrl: 'http://127.0.0.1:1' });

describe('Border0Client types', () => {
  it('returns the response body of the operation', () => {
    expectTypeOf(b0.get('/api/v1/sockets')).resolves.toEqualTypeOf<components['schemas']['SocketPage']>();
    expectTypeOf(
      b0.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } }),
    ).resolves.toEqualTypeOf<components['schemas']['Socket']>();
  });

  it('requires path parameters and a body where the operation does', () => {
    // @ts-expect-error the socket path parameter is required
    b0.get('/api/v1/sockets/{socket}');
    // @ts-expect-error a create needs a body
    b0.post('/api/v1/sockets');
  });

  it('paginates into the items of a list', () => {
    expectTypeOf(b0.paginate('/api/v1/sockets')).toEqualTypeOf<
      AsyncGenerator<components['schemas']['Socket'], void, undefined>
    >();
  });

  it('can paginate every list of the API: every GET answering a page', () => {
    type Pages = {
      [P in keyof paths]: paths[P] extends {
        get: { responses: { 200: { content: { 'application/json': { next_cursor: unknown } } } } };
      }
        ? P
        : never;
    }[keyof paths];
    expectTypeOf<PagedPath>().toEqualTypeOf<Pages>();
    expectTypeOf<'/api/v1/audit' | '/api/v1/sessions/{session_id}/events'>().toExtend<PagedPath>();
    // @ts-expect-error one socket is no list
    b0.paginate('/api/v1/sockets/{socket}', { params: { path: { socket: 'web' } } });
  });

  it('takes per-call options beside the operation’s own', () => {
    b0.get('/api/v1/sockets', { timeoutMs: 1000, signal: AbortSignal.timeout(5000), retry: false });
    b0.post('/api/v1/groups', { body: { name: 'ops' }, idempotencyKey: 'k1', retry: { retries: 5 } });
    // @ts-expect-error timeoutMs is a number
    b0.get('/api/v1/sockets', { timeoutMs: 'soon' });
  });

  it('modifies a resource with the PATCH body its operation takes', () => {
    expectTypeOf<'/api/v1/sockets/{socket}'>().toExtend<ModifiablePath>();
    expectTypeOf(
      b0.modify('/api/v1/groups/{group}', { params: { path: { group: 'ops' } } }, (g) => ({
        description: `${g.name}!`,
      })),
    ).resolves.toEqualTypeOf<components['schemas']['Group']>();
    // @ts-expect-error a group has no socket_type to change
    b0.modify('/api/v1/groups/{group}', { params: { path: { group: 'ops' } } }, () => ({
      socket_type: 'ssh',
    }));
  });
});
