/**
 * Contract test: every operation of spec/openapi.yaml called through the SDK against the live app, on each
 * store, with every response (successes and the errors provoked on the way) validated against the spec.
 * Each operation is called with the token of its caller: an organization's, a proxy's or a connector's.
 */
import { createClient } from '@border0/sdk';
import { startTestCiIssuer, type TestCiIssuer } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, DIALECTS, type Harness } from './harness.js';
import { Browser, callbackOf } from './support/browser.js';
import { approvedDeviceCode } from './support/device-login.js';
import { invitationOf } from './support/invitation.js';
import { recordingFetch } from './support/recording-fetch.js';
import { operations } from './support/spec.js';
import { binaryBody, buildWorld, validRequests, WORLD_AUDIENCE, WORLD_PASSWORD } from './support/world.js';

for (const dialect of DIALECTS) {
  describe(`API contract (${dialect})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness(dialect);
    });
    let ci: TestCiIssuer | undefined;
    afterAll(async () => {
      await ci?.close();
      await h?.close();
    });

    it('answers every operation as the spec says, through the SDK', { timeout: 60_000 }, async () => {
      const { fetch, log } = recordingFetch(async (request) => h.app.fetch(request));
      const client = (token: string) =>
        createClient({ baseUrl: 'http://test', token, fetch, retry: { retries: 0 } });
      const b0 = client(h.ownerToken);
      const proxy = client(h.proxyToken);
      const world = await buildWorld(b0, 'contract', proxy);
      // The owner's password becomes the world's, which `changeMyPassword` then names as the current one.
      await b0.put('/api/v1/me/password', {
        body: { current_password: h.ownerPassword, password: WORLD_PASSWORD },
      });
      // A device login the owner approved: `requestDeviceToken` then answers with its token.
      world.deviceCode = await approvedDeviceCode(
        (r) => h.app.fetch(r),
        `owner@${h.orgName}.dev`,
        WORLD_PASSWORD,
      );
      // Another organization, of another person, invites the owner: `acceptInvitation` accepts it.
      world.invitationCode = await invitationOf(h, `owner@${h.orgName}.dev`);
      // The owner logged in in a browser and was sent to the HTTP socket: `createWebSession` trades its code.
      const browser = new Browser((r) => h.app.fetch(r));
      const login = await browser.logIn(
        `owner@${h.orgName}.dev`,
        WORLD_PASSWORD,
        `http://${world.httpHost}/`,
      );
      world.webLoginCode = callbackOf(login.res).code;
      // A CI system's issuer: the world's service account trusts it, and `exchangeWebIdentityToken` trades
      // its job's token.
      ci = await startTestCiIssuer({ jobs: { 'world-job': { repository: 'acme/app' } } });
      world.webIdentityIssuer = ci.issuer;
      world.webIdentityToken = await ci.token('world-job', WORLD_AUDIENCE);
      const clients = {
        // Device login takes no token: one sent along is ignored.
        public: b0,
        organization: b0,
        proxy,
        connector: client(world.connectorToken),
      };
      for (const [operationId, request] of validRequests(world)) {
        const op = operations.find((o) => o.operationId === operationId);
        expect(op, `${operationId} is in the spec`).toBeDefined();
        const call = clients[op!.caller].raw.request as unknown as (
          method: string,
          path: string,
          init: object,
        ) => Promise<{ response: Response; data?: { secret?: string } }>;
        const { response, data } = await call(op!.method.toLowerCase(), op!.path, {
          params: { path: request.path, query: request.query },
          ...(request.body !== undefined && { body: request.body }),
          ...(request.body instanceof Uint8Array && binaryBody),
          // A stream stays open: take the response as it starts, and leave. A recording is text, not JSON.
          ...(op!.parseAs !== 'json' && { parseAs: op!.parseAs }),
        }).catch((error: Error) => {
          throw new Error(`${operationId} failed: ${error.message}`);
        });
        if (op!.streams) await response.body?.cancel();
        if (operationId === 'startTotpEnrolment') world.totpSecret = data?.secret;
        if (operationId === 'openWebTerminal') world.webTerminal = data as never;
        expect(response.ok, operationId).toBe(true);
      }
      // The errors an integrator meets are part of the contract too.
      const errorsProvoked = [
        () => b0.get('/api/v1/sockets/{socket}', { params: { path: { socket: 'nope' } } }),
        () => b0.post('/api/v1/sockets', { body: { name: 'Bad Name', socket_type: 'http' } as never }),
        () => b0.post('/api/v1/organizations', { body: { name: world.orgName } }),
        () => b0.get('/api/v1/proxy/trust'),
        () =>
          clients.proxy.get('/api/v1/proxy/sockets/{dnsname}', {
            params: { path: { dnsname: 'nope-nowhere.localhost' } },
          }),
        // The connector and its token are deleted by now.
        () =>
          clients.proxy.post('/api/v1/proxy/connectors/authenticate', {
            body: { token: world.connectorToken },
          }),
        () => clients.connector.get('/api/v1/connector/config'),
        () =>
          clients.proxy.patch('/api/v1/proxy/sessions/{session_id}', {
            params: { path: { session_id: world.sessionId } },
            body: { bytes_in: 0 },
          }),
        // The world's recording has ended by now: a late chunk is refused.
        () =>
          proxy.put('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/chunks/{seq}', {
            params: { path: { session_id: world.sessionId, recording_id: world.recordingId, seq: 2 } },
            body: new Uint8Array([10]),
            ...binaryBody,
          }),
      ];
      for (const call of errorsProvoked) await expect(call()).rejects.toThrow();

      expect(log.violations).toEqual([]);
      const missing = operations.map((o) => o.operationId).filter((id) => !log.succeeded.has(id));
      expect(missing, 'operations never exercised with success').toEqual([]);
    });
  });
}
