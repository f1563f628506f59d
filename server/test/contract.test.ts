/**
 * Contract test: every operation of spec/openapi.yaml called through the SDK against the live app, on each
 * store, with every response (successes and the errors provoked on the way) validated against the spec.
 */
import { createClient } from '@border0/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from './harness.js';
import { recordingFetch } from './support/recording-fetch.js';
import { operations } from './support/spec.js';
import { buildWorld, validRequests } from './support/world.js';

for (const dialect of DIALECTS) {
  describe(`API contract (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    afterAll(() => h?.close());

    it('answers every operation as the spec says, through the SDK', { timeout: 60_000 }, async () => {
      const { fetch, log } = recordingFetch(async (request) => h.app.fetch(request));
      const b0 = createClient({ baseUrl: 'http://test', token: h.ownerToken, fetch, retry: { retries: 0 } });
      const world = await buildWorld(b0, 'contract');
      for (const [operationId, request] of validRequests(world)) {
        const op = operations.find((o) => o.operationId === operationId);
        expect(op, `${operationId} is in the spec`).toBeDefined();
        const call = b0.raw.request as unknown as (
          method: string,
          path: string,
          init: object,
        ) => Promise<{ response: Response }>;
        const { response } = await call(op!.method.toLowerCase(), op!.path, {
          params: { path: request.path, query: request.query },
          ...(request.body !== undefined && { body: request.body }),
        }).catch((error: Error) => {
          throw new Error(`${operationId} failed: ${error.message}`);
        });
        expect(response.ok, operationId).toBe(true);
      }
      // The errors an integrator meets are part of the contract too.
      const errorsProvoked = [
        () => b0.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'nope' } } }),
        () => b0.post('/api/v1/sockets', { body: { name: 'Bad Name', socket_type: 'http' } as never }),
        () => b0.post('/api/v1/organizations', { body: { name: world.orgName } }),
      ];
      for (const call of errorsProvoked) await expect(call()).rejects.toThrow();

      expect(log.violations).toEqual([]);
      const missing = operations.map((o) => o.operationId).filter((id) => !log.succeeded.has(id));
      expect(missing, 'operations never exercised with success').toEqual([]);
    });
  });
}
