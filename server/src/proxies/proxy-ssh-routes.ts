/**
 * What a proxy asks about an ssh socket's upstream while it carries a live session: the login (secrets, or
 * a minutes-long certificate of the organization's upstream CA) and whether the host key it met is the one
 * kept (trust on first use). Scoped to a live, allowed session: the secrets go out only while one runs.
 */
import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import { organizationSshAuthority } from '../certificates/authority-store.js';
import { signUpstreamCertificate } from '../certificates/ssh-authority.js';
import { parseSshPublicKey } from '../certificates/ssh-public-key.js';
import { authorizeProxy } from '../platform/auth/authorize.js';
import { appendAudit } from '../platform/db/audit-log.js';
import { errors, jsonBody, jsonResponse } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import { clientIp } from '../platform/http/mutation.js';
import { ApiError, invalid } from '../platform/http/problem.js';
import type { Services } from '../services.js';
import { SessionParams } from '../sessions/session-schemas.js';
import { sshHostKeyOf, trustHostKeyOnFirstUse } from '../sockets/socket-store.js';
import { liveSessionOfSocket } from './live-session-store.js';
import { PROXY_TAG } from './proxy-routes.js';
import {
  SshHostKeyReport,
  SshHostKeyVerdict,
  SshUpstreamCredentials,
  SshUpstreamRequest,
} from './proxy-ssh-schemas.js';

const tags = [PROXY_TAG];
/** Long enough to log in (the session then lives on without it), short enough to be worthless later. */
const UPSTREAM_CERTIFICATE_SECONDS = 5 * 60;
const CLOCK_SKEW_MS = 60_000;

const getSshUpstream = createRoute({
  tags,
  method: 'post',
  path: '/proxy/sessions/{session_id}/ssh-upstream',
  operationId: 'getSshUpstreamCredentials',
  summary: 'Get the login to an ssh socket’s upstream for a live session',
  description:
    'The session must be live, allowed, and of an ssh socket. The login name is the socket’s `username` ' +
    'unless the socket lets the client pick it (`username_provider: prompt_client`), then `login_name`. For ' +
    '`border0_certificate` sockets send `public_key`: the answer carries a certificate for it, signed by the ' +
    'organization’s upstream CA (`ssh_upstream_ca_public_key` of `GET /client/ca`), valid for 5 minutes.',
  request: {
    params: SessionParams,
    body: jsonBody(SshUpstreamRequest, {
      login_name: 'ubuntu',
      public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
    }),
  },
  responses: {
    200: jsonResponse(SshUpstreamCredentials, 'The login.'),
    ...errors(400, 401, 403, 404, 409, 413, 415),
  },
});

const reportSshHostKey = createRoute({
  tags,
  method: 'put',
  path: '/proxy/sessions/{session_id}/ssh-host-key',
  operationId: 'verifySshHostKey',
  summary: 'Check the upstream host key an ssh session met (trust on first use)',
  description:
    'Keeps the key when the socket has none yet (`first_use`, audited); answers `known` when it is the ' +
    'one kept, and 409 when it differs: the proxy must then refuse the upstream.',
  request: {
    params: SessionParams,
    body: jsonBody(SshHostKeyReport, {
      host_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHX6ZxKp5bN2mCqL8vR3tY7wD1fG4hJ9kS0aE6uI2oPq',
    }),
  },
  responses: {
    200: jsonResponse(SshHostKeyVerdict, 'The key is trusted.'),
    ...errors(400, 401, 403, 404, 409, 413, 415),
  },
});

/** `SHA256:<base64>` as ssh-keygen -l shows it. */
export function fingerprintOf(line: string): string {
  const blob = Buffer.from(line.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function proxySshRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();
  const { db, secrets } = services;

  app.openapi(getSshUpstream, async (c) => {
    const proxy = authorizeProxy(c);
    const { session_id } = c.req.valid('param');
    const body = c.req.valid('json');
    const session = await liveSessionOfSocket(db, session_id, proxy.tokenId, 'ssh');
    const upstream = session.upstream as {
      hostname: string;
      port: number;
      authentication_type: 'username_and_password' | 'private_key' | 'border0_certificate';
      username_provider?: 'defined' | 'prompt_client';
      username?: string;
    };
    const sealed = session.upstream_secrets
      ? (JSON.parse(secrets.open(session.upstream_secrets)) as { password?: string; private_key?: string })
      : {};
    const loginName = upstream.username_provider === 'prompt_client' ? body.login_name : upstream.username;
    if (!loginName) {
      throw upstream.username_provider === 'prompt_client'
        ? invalid('login_name', 'the socket lets the client pick the login name: send it')
        : new ApiError('conflict', `the socket ${session.socket_name} defines no username`);
    }
    const answer: z.infer<typeof SshUpstreamCredentials> = {
      hostname: upstream.hostname,
      port: upstream.port,
      authentication_type: upstream.authentication_type,
      login_name: loginName,
      host_key: session.ssh_host_key,
    };
    if (upstream.authentication_type === 'username_and_password') {
      if (!sealed.password)
        throw new ApiError('conflict', `the socket ${session.socket_name} has no password`);
      answer.password = sealed.password;
    } else if (upstream.authentication_type === 'private_key') {
      if (!sealed.private_key) {
        throw new ApiError('conflict', `the socket ${session.socket_name} has no private key`);
      }
      answer.private_key = sealed.private_key;
    } else {
      if (!body.public_key)
        throw invalid('public_key', 'a border0_certificate socket needs the key to certify');
      const key = parseSshPublicKey(body.public_key);
      const who = session.user_email ?? session.service_account_name ?? 'unknown';
      const now = Date.now();
      const authority = await organizationSshAuthority(
        db,
        secrets,
        { id: session.org_id, name: session.org_name },
        'ssh_upstream',
      );
      const issued = signUpstreamCertificate(authority, key, {
        keyId: `border0 session ${session.id} ${who}`,
        loginName,
        validity: {
          notBefore: new Date(Math.floor((now - CLOCK_SKEW_MS) / 1000) * 1000),
          notAfter: new Date(Math.floor(now / 1000) * 1000 + UPSTREAM_CERTIFICATE_SECONDS * 1000),
        },
      });
      answer.certificate = issued.certificateLine;
    }
    c.header('cache-control', 'no-store');
    return c.json(SshUpstreamCredentials.parse(answer), 200);
  });

  app.openapi(reportSshHostKey, async (c) => {
    const principal = authorizeProxy(c);
    const { session_id } = c.req.valid('param');
    const presented = parseSshPublicKey(c.req.valid('json').host_key, 'host_key');
    const line = `${presented.type} ${presented.blob.toString('base64')}`;
    const fingerprint = fingerprintOf(line);
    const verdict = await db.transaction().execute(async (trx) => {
      const session = await liveSessionOfSocket(trx, session_id, principal.tokenId, 'ssh');
      if (session.ssh_host_key !== null) {
        if (fingerprintOf(session.ssh_host_key) === fingerprint) return 'known' as const;
        throw new ApiError(
          'conflict',
          `the upstream host key changed: ${fingerprint} is not the trusted ${fingerprintOf(session.ssh_host_key)}; ` +
            'an admin must clear the kept key if the change is expected',
        );
      }
      // Compare and set: two first connections at once keep one key, and the other is checked against it.
      if (!(await trustHostKeyOnFirstUse(trx, session.socket_id, line))) {
        const winner = await sshHostKeyOf(trx, session.socket_id);
        if (winner && fingerprintOf(winner) === fingerprint) return 'known' as const;
        throw new ApiError(
          'conflict',
          `the upstream host key changed: ${fingerprint} is not the one just trusted`,
        );
      }
      await appendAudit(
        trx,
        {
          orgId: session.org_id,
          actor: principal.actor,
          ip: clientIp(c),
          requestId: c.get('requestId') ?? null,
          clientRequestId: c.get('clientRequestId') ?? null,
        },
        {
          action: 'socket.ssh_host_key.trust',
          resource_type: 'socket',
          resource_id: session.socket_id,
          details: { name: session.socket_name, fingerprint, session_id },
        },
      );
      return 'first_use' as const;
    });
    return c.json({ trust: verdict, fingerprint }, 200);
  });

  return app;
}
