/** Access checks: "may this identity do this action on this socket, from this address, at this time?" */

import { DATABASE_QUERY_TYPES } from '@border0/sdk/policy';
import { z } from '@hono/zod-openapi';
import { Email, Timestamp } from '../platform/http/common-schemas.js';
import { Policy } from '../policies/policy-schemas.js';
import { SocketType } from '../sockets/socket-schemas.js';

const QueryType = z.enum(
  DATABASE_QUERY_TYPES.filter((t) => t !== 'all') as ['read_only', 'read_write', 'ddl', 'admin'],
);

const SshAction = z
  .strictObject({
    type: z.literal('ssh'),
    kind: z.enum(['connect', 'shell', 'exec', 'sftp', 'tcp_forwarding', 'agent_forwarding']),
    command: z.string().min(1).max(4096).optional().openapi({ description: 'The command, for `exec`.' }),
    destination_address: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .openapi({ description: 'For `tcp_forwarding`.' }),
    destination_port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .openapi({ description: 'For `tcp_forwarding`.' }),
    username: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: 'The login name, when the client picks it.' }),
  })
  .superRefine((action, ctx) => {
    if (action.kind === 'exec' && action.command === undefined) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'is required for exec' });
    }
    if (action.kind === 'tcp_forwarding') {
      for (const field of ['destination_address', 'destination_port'] as const) {
        if (action[field] === undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: 'is required for tcp_forwarding' });
      }
    }
  })
  .openapi('SshAccessAction');

export const AccessAction = z
  .discriminatedUnion('type', [
    SshAction,
    z
      .strictObject({
        type: z.literal('database'),
        database: z.string().min(1).max(128).optional(),
        query_type: QueryType.optional(),
      })
      .openapi('DatabaseAccessAction'),
    z.strictObject({ type: z.literal('http') }).openapi('HttpAccessAction'),
    z.strictObject({ type: z.literal('tls') }).openapi('TlsAccessAction'),
  ])
  .openapi('AccessAction', {
    description: 'What the identity wants to do; `ssh` `connect` asks for a session at all.',
  });

export const AccessIdentity = z
  .strictObject({
    email: Email.optional(),
    service_account: z.string().min(1).max(63).optional(),
  })
  .refine((identity) => (identity.email === undefined) !== (identity.service_account === undefined), {
    message: 'give exactly one of email and service_account',
  })
  .openapi('AccessIdentity', {
    description: 'A person by email (their groups are looked up) or a service account.',
  });

const requestFields = {
  identity: AccessIdentity,
  action: AccessAction,
  ip: z
    .string()
    .min(2)
    .max(45)
    .optional()
    .openapi({ description: 'The client address; its country is looked up.', example: '203.0.113.7' }),
  time: Timestamp.optional().openapi({ description: 'When; now when absent.' }),
};

export const AccessCheck = z
  .strictObject({
    socket: z.string().min(1).max(63).openapi({ description: 'Socket id or name.', example: 'web' }),
    ...requestFields,
  })
  .openapi('AccessCheck');

export const PolicyVerdict = z
  .object({
    policy_id: z.string(),
    policy_name: z.string(),
    matched: z.boolean(),
    failed: z.enum(['who', 'where', 'when', 'permission']).optional(),
    reason: z.string().openapi({ example: 'where: 198.51.100.4 is outside 203.0.113.0/24' }),
  })
  .openapi('PolicyVerdict');

const allowList = <T extends z.ZodTypeAny>(item: T) =>
  z.array(item).nullable().openapi({ description: 'null allows any.' });

export const EffectivePermissions = z
  .object({
    socket_type: SocketType,
    ssh: z
      .object({
        shell: z.boolean(),
        exec: z.object({ allowed: z.boolean(), commands: allowList(z.string()) }),
        sftp: z.boolean(),
        tcp_forwarding: z.object({
          allowed: z.boolean(),
          allowed_connections: allowList(
            z.object({ destination_address: z.string(), destination_port: z.string() }),
          ),
        }),
        agent_forwarding: z.boolean(),
        allowed_usernames: allowList(z.string()),
      })
      .optional(),
    database: z
      .object({
        allowed_databases: allowList(
          z.object({ database: z.string(), allowed_query_types: z.array(z.enum(DATABASE_QUERY_TYPES)) }),
        ),
      })
      .optional(),
    max_session_duration_seconds: z.number().int().nullable(),
  })
  .openapi('EffectivePermissions', {
    description: 'The union of what the matching policies allow on the socket.',
  });

export const AccessDecision = z
  .object({
    allowed: z.boolean(),
    reason: z.string().openapi({ example: 'allowed by policy engineers-ssh' }),
    permissions: EffectivePermissions.nullable(),
    explanation: z.array(PolicyVerdict),
    socket: z.object({ id: z.string(), name: z.string(), socket_type: SocketType }),
    identity: z.object({
      email: z.string().nullable(),
      service_account: z.string().nullable(),
      groups: z.array(z.string()).openapi({ description: 'Ids of the groups the person belongs to.' }),
    }),
    ip: z.string().nullable(),
    country: z
      .string()
      .nullable()
      .openapi({ description: 'The country of `ip`; null for private addresses.' }),
    time: Timestamp,
  })
  .openapi('AccessDecision');

export const PolicyTest = z
  .strictObject({
    socket: z.string().min(1).max(63).openapi({ description: 'Socket id or name.' }),
    ...requestFields,
  })
  .openapi('PolicyTest');

export const PolicyTestResult = AccessDecision.extend({
  applies_to_socket: z.boolean().openapi({
    description: 'Whether the policy applies to the socket today; the test evaluates it as if it did.',
  }),
}).openapi('PolicyTestResult');

export const EffectivePolicy = z
  .object({
    policy: Policy,
    via: z.enum(['org_wide', 'attached', 'tag_rule']),
    tag_rule: z
      .record(z.string(), z.string())
      .nullable()
      .openapi({ description: 'The matching rule, when via a tag rule.' }),
  })
  .openapi('EffectivePolicy');

export const EffectivePolicyList = z
  .object({ items: z.array(EffectivePolicy) })
  .openapi('EffectivePolicyList', { description: 'Every policy that applies to the socket.' });
