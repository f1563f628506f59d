import { describe, expectTypeOf, it } from 'vitest';
import { createClient } from './client.js';
import type { components } from './generated/api.js';

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
});
