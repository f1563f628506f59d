/**
 * The portal's terminal on an ssh socket. A person asks for a ticket (`POST /me/sockets/{socket}/terminal`);
 * the browser opens a WebSocket to the proxy the answer names and sends the ticket first; the proxy redeems it
 * (`POST /proxy/web-terminals`) and runs the terminal as an SSH session of that person: the same admission,
 * policy decisions per channel, session report, recording and termination as any SSH client gets.
 */
import type { SocketType } from '@border0/sdk/policy';
import { parseIp } from '@border0/sdk/policy';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { accessFor } from '../access/access-check.js';
import { identityIssuer } from '../identity-tokens/identity-token.js';
import { authorize, authorizeProxy } from '../platform/auth/authorize.js';
import {
  DnsName,
  errors,
  Id,
  jsonBody,
  jsonResponse,
  refParams,
  Timestamp,
} from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { clientIp } from '../platform/http/mutation.js';
import { ApiError, forbidden, notFound } from '../platform/http/problem.js';
import { PROXY_TAG } from '../proxies/proxy-routes.js';
import { liveProxies } from '../proxies/proxy-store.js';
import type { Services } from '../services.js';
import { callerIdentity } from '../sockets/my-socket-routes.js';
import { findSocket, findSocketByDnsname, socketToApi } from '../sockets/socket-store.js';
import { signTerminalTicket, verifyTerminalTicket } from './web-terminal-ticket.js';

/** Where the proxies serve the terminal's WebSocket, on the socket's own host. */
export const WEB_TERMINAL_PATH = '/.border0/terminal';

const WebTerminalTicket = z
  .object({
    url: z.string().openapi({
      example: 'wss://shell-acme.localhost:8443/.border0/terminal',
      description: 'The WebSocket to open: on the socket’s host, at the proxy’s address.',
    }),
    ticket: z.string().openapi({ description: 'Send it as the first message; good once, for 60 s.' }),
    proxy: DnsName.openapi({ description: 'The proxy the ticket is for.' }),
    expires_at: Timestamp,
  })
  .openapi('WebTerminalTicket');

const openWebTerminalRoute = createRoute({
  method: 'post',
  path: '/me/sockets/{socket}/terminal',
  operationId: 'openWebTerminal',
  summary: 'Get a ticket for a terminal in the browser',
  description:
    'For an ssh socket whose policies let the caller open a shell now (from the address of this request): a ' +
    'ticket for one terminal through a live proxy. 403 when no policy allows a shell, 409 when the socket is ' +
    'not an ssh socket or no proxy is live.',
  tags: ['Sockets'],
  request: { params: refParams('socket', 'Socket id or name.') },
  responses: {
    201: jsonResponse(WebTerminalTicket, 'The ticket and where to use it.'),
    ...errors(401, 403, 404, 409),
  },
});

const Host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be a host name in lower case, without a port');

const WebTerminalRedeem = z
  .strictObject({
    host: Host.openapi({ example: 'shell-acme.localhost' }),
    proxy: DnsName.openapi({ description: 'The redeeming proxy’s registered name.' }),
    ticket: z.string().min(1).max(4096),
  })
  .openapi('WebTerminalRedeem');

const WebTerminalHolder = z
  .object({
    organization_id: Id,
    socket_id: Id,
    user_email: z.string().optional().openapi({ description: 'Set for a person.' }),
    service_account: z.string().optional().openapi({ description: 'Set for a service account: its name.' }),
    ticket_id: z
      .string()
      .openapi({ description: 'Take each ticket once: remember this until `expires_at`.' }),
    client_ip: z
      .string()
      .nullable()
      .openapi({ description: 'The browser’s address when the ticket was issued: decide with it.' }),
    expires_at: Timestamp,
  })
  .openapi('WebTerminalHolder');

const redeemRoute = createRoute({
  method: 'post',
  path: '/proxy/web-terminals',
  operationId: 'redeemWebTerminalTicket',
  summary: 'Find who a web terminal ticket is for',
  description:
    'Proxy tokens only. 401 when the ticket is not valid for this proxy and host (forged, expired, another ' +
    'host or proxy); 404 when `host` is not an ssh socket. Says who, not whether: the proxy decides.',
  tags: [PROXY_TAG],
  request: {
    body: jsonBody(WebTerminalRedeem, {
      host: 'shell-acme.localhost',
      proxy: 'proxy-eu-1',
      ticket: 'eyJhbGciOiJFUzI1NiIsImtpZCI6IjAxOTNhIn0.eyJhdWQiOiJwcm94eS1ldS0xIn0.c2lnbmF0dXJl',
    }),
  },
  responses: {
    200: jsonResponse(WebTerminalHolder, 'Who the ticket is for.'),
    ...errors(400, 401, 403, 404, 413, 415),
  },
});

export function webTerminalRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const issuerOf = (url: string, orgId: string) =>
    identityIssuer(services.publicUrl ?? new URL(url).origin, orgId);

  app.openapi(openWebTerminalRoute, async (c) => {
    const principal = authorize(c, 'certificates:issue');
    const identity = callerIdentity(principal);
    if (!identity) throw forbidden('only a person or a service account can open a terminal');
    const row = await findSocket(services.db, principal.orgId, c.req.valid('param').socket);
    if (row.socket_type !== 'ssh') throw new ApiError('conflict', `${row.name} is not an ssh socket`);
    const access = await accessFor(services, principal.orgId);
    const standing = access.standingOf(identity);
    if (!standing.standing) throw forbidden(standing.reason);
    const address = clientIp(c) ?? undefined;
    const ip = address && parseIp(address) ? address : undefined;
    const decision = access.engine.decide(
      { id: row.id, socket_type: row.socket_type as SocketType, tags: row.tags },
      {
        identity: { ...identity, groups: standing.groups },
        action: { type: 'ssh', kind: 'shell' },
        ip,
        country: ip === undefined ? null : services.geo.country(ip),
      },
    );
    if (!decision.allowed) throw forbidden(decision.reason);
    const [proxy] = await liveProxies(services.db);
    if (!proxy) throw new ApiError('conflict', 'no proxy is live: the terminal has nowhere to go');
    const { dnsname } = socketToApi(row, services.baseDomain);
    const port = proxy.public_address.slice(proxy.public_address.lastIndexOf(':') + 1);
    const signed = await signTerminalTicket(services.db, services.secrets, {
      orgId: principal.orgId,
      issuer: issuerOf(c.req.url, principal.orgId),
      proxy: proxy.name,
      host: dnsname,
      subject:
        identity.email !== undefined
          ? { email: identity.email }
          : { service_account: identity.service_account! },
      ip,
    });
    c.header('cache-control', 'no-store');
    return c.json(
      WebTerminalTicket.parse({
        url: `wss://${dnsname}:${port}${WEB_TERMINAL_PATH}`,
        ticket: signed.ticket,
        proxy: proxy.name,
        expires_at: signed.expiresAt.toISOString(),
      }),
      201,
    );
  });

  app.openapi(redeemRoute, async (c) => {
    authorizeProxy(c);
    const body = c.req.valid('json');
    const socket = await findSocketByDnsname(services.db, body.host, services.baseDomain);
    if (socket?.socket_type !== 'ssh') throw notFound(`ssh socket ${body.host}`);
    const verified = await verifyTerminalTicket(services.db, {
      orgId: socket.org_id,
      proxy: body.proxy,
      host: body.host,
      ticket: body.ticket,
    });
    if (!verified) throw new ApiError('unauthenticated', 'the ticket is not valid for this proxy and host');
    c.header('cache-control', 'no-store');
    return c.json(
      WebTerminalHolder.parse({
        organization_id: socket.org_id,
        socket_id: socket.id,
        ...('email' in verified.subject
          ? { user_email: verified.subject.email }
          : { service_account: verified.subject.service_account }),
        ticket_id: verified.id,
        client_ip: verified.ip,
        expires_at: verified.expiresAt.toISOString(),
      }),
      200,
    );
  });

  return app;
}
