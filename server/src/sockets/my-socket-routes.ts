/**
 * GET /api/v1/me/sockets: the sockets the caller may use now, with how to reach each. Each socket is decided by
 * the policy engine as a proxy admits a connection to it (the first action of its type: ssh `connect`, database
 * access, http, tls), for the caller's current standing, now, from the address the request came from: what a
 * connection from here would be told at this moment. Default deny: no policy, no standing (a `read_only`
 * member, a removed one), or a token that may not use sockets lists nothing.
 */
import type { AccessAction, SocketType } from '@border0/sdk/policy';
import { parseIp } from '@border0/sdk/policy';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { accessFor } from '../access/access-check.js';
import { EffectivePermissions } from '../access/access-schemas.js';
import { authorize } from '../platform/auth/authorize.js';
import { errors, jsonResponse } from '../platform/http/common-schemas.js';
import type { AppEnv, Principal } from '../platform/http/env.js';
import { clientIp } from '../platform/http/mutation.js';
import type { Services } from '../services.js';
import { Socket } from './socket-schemas.js';
import { allSockets, type SocketRow, socketToApi } from './socket-store.js';

const Connect = z
  .object({
    dnsname: z.string().openapi({ example: 'db-acme.localhost' }),
    commands: z.array(z.string()).openapi({
      description: 'What to run (or open) to reach the socket, in order; `<...>` marks a value to choose.',
      example: ['border0 client db db'],
    }),
    url: z
      .string()
      .nullable()
      .openapi({ description: 'For http sockets: the address to open in a browser.' }),
    web_terminal: z.boolean().openapi({
      description: 'ssh sockets whose policies allow a shell: the portal’s terminal can open one.',
    }),
  })
  .openapi('SocketConnectInstructions');

const MySocket = Socket.pick({
  id: true,
  name: true,
  display_name: true,
  description: true,
  socket_type: true,
  tags: true,
  dnsname: true,
  recording_enabled: true,
})
  .extend({
    permissions: EffectivePermissions,
    connect: Connect,
  })
  .openapi('MySocket');

const MySocketList = z
  .object({ items: z.array(MySocket) })
  .openapi('MySocketList', { description: 'The sockets the caller may use now, by name.' });

const listMySocketsRoute = createRoute({
  method: 'get',
  path: '/me/sockets',
  operationId: 'listMySockets',
  summary: 'List the sockets I may use',
  description:
    'Every socket of the organization that the policies let the caller use now, decided as a proxy admits a ' +
    'connection (ssh connect, database access, http, tls) for the caller’s current standing and groups, at ' +
    'this moment, from the address of this request; with the effective permissions and how to connect. A ' +
    'caller who may use nothing (a `read_only` member, a token whose role uses no sockets, no policy) gets ' +
    'an empty list.',
  tags: ['Sockets'],
  responses: { 200: jsonResponse(MySocketList, 'The sockets, by name.'), ...errors(401, 403) },
});

/** The action a proxy decides when a connection to a socket of this type arrives. */
export function admissionAction(type: SocketType): AccessAction {
  return type === 'ssh' ? { type: 'ssh', kind: 'connect' } : ({ type } as AccessAction);
}

/** The person or service account a principal acts for (its actor names it: `user:<email>`, `service_account:<name>`). */
export function callerIdentity(
  principal: Principal,
): { email?: string; service_account?: string } | undefined {
  const at = principal.actor.indexOf(':');
  const [kind, name] = [principal.actor.slice(0, at), principal.actor.slice(at + 1)];
  if (principal.kind === 'admin' && kind === 'user') return { email: name };
  if (principal.kind === 'service_account' && kind === 'service_account') return { service_account: name };
  return undefined;
}

/** How to reach a socket, as text: commands of the `border0` CLI, or the browser address of an http socket. */
export function connectInstructions(row: SocketRow, dnsname: string, shell: boolean) {
  const by: Record<string, string[]> = {
    tls: [`border0 client tls ${row.name} --listen 127.0.0.1:<port>`],
    database: [`border0 client db ${row.name}`, `border0 client db ${row.name} --exec psql`],
    ssh: [
      `border0 client ssh <user>@${row.name}`,
      'border0 client ssh-config --install',
      `ssh <user>@${dnsname}`,
    ],
    http: [],
  };
  return {
    dnsname,
    commands: by[row.socket_type] ?? [],
    url: row.socket_type === 'http' ? `https://${dnsname}/` : null,
    web_terminal: row.socket_type === 'ssh' && shell,
  };
}

export function mySocketRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(listMySocketsRoute, async (c) => {
    const principal = authorize(c, 'sockets:read');
    const identity = callerIdentity(principal);
    // A token that may not get a certificate (a read_only token of anyone) reaches no socket.
    if (!identity || !principal.rights.has('certificates:issue')) return c.json({ items: [] }, 200);
    const access = await accessFor(services, principal.orgId);
    const standing = access.standingOf(identity);
    if (!standing.standing) return c.json({ items: [] }, 200);
    const address = clientIp(c) ?? undefined;
    const ip = address && parseIp(address) ? address : undefined;
    const country = ip === undefined ? null : services.geo.country(ip);
    const time = new Date();
    const items = [];
    for (const row of await allSockets(services.db, principal.orgId)) {
      const type = row.socket_type as SocketType;
      const decision = access.engine.decide(
        { id: row.id, socket_type: type, tags: row.tags },
        {
          identity: { ...identity, groups: standing.groups },
          action: admissionAction(type),
          ip,
          country,
          time,
        },
      );
      if (!decision.allowed || !decision.permissions) continue;
      const socket = socketToApi(row, services.baseDomain);
      items.push({
        ...socket,
        permissions: decision.permissions,
        connect: connectInstructions(row, socket.dnsname, Boolean(decision.permissions.ssh?.shell)),
      });
    }
    return c.json(MySocketList.parse({ items }), 200);
  });

  return app;
}
