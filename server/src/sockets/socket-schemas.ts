/** Sockets: published services, with an upstream configuration per socket type. Secrets are write-only. */
import { z } from '@hono/zod-openapi';
import { DnsName, Id, Timestamp } from '../platform/http/common-schemas.js';

export const SOCKET_TYPES = ['http', 'ssh', 'database', 'tls'] as const;
export const SocketType = z.enum(SOCKET_TYPES).openapi('SocketType');

const Hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be a host name or an IP address')
  .openapi({ example: '127.0.0.1' });
const Port = z.number().int().min(1).max(65535);
/** A secret value, or a reference the connector resolves: `${from:env:NAME}`, `${from:file:/path}`. */
const Secret = z.string().min(1).max(16384).openapi({ writeOnly: true });
const Tags = z
  .record(
    z
      .string()
      .min(1)
      .max(63)
      .regex(/^[A-Za-z0-9_.\-/]+$/, 'invalid tag key'),
    z.string().max(255),
  )
  .openapi('Tags', { example: { env: 'prod' } });

const httpFields = {
  type: z.literal('http'),
  scheme: z.enum(['http', 'https']).default('http'),
  hostname: Hostname,
  port: Port,
  host_header: z.string().max(253).optional(),
  headers: z.record(z.string().min(1).max(128), z.string().max(4096)).optional(),
  tls: z
    .strictObject({
      verify: z
        .enum(['full', 'ca', 'none'])
        .default('full')
        .openapi({
          description:
            '`full`: the certificate chains to a trusted CA and names the upstream (`server_name`, else ' +
            '`host_header`, else `hostname`); `ca`: the chain only; `none`: encrypted, not verified.',
        }),
      ca_certificate: z
        .string()
        .max(65536)
        .regex(/-----BEGIN CERTIFICATE-----/, 'must be a PEM certificate')
        .optional()
        .openapi({ description: 'The CA (PEM) to trust instead of the public ones.' }),
      server_name: Hostname.optional().openapi({
        description: 'The name sent in SNI and checked in the certificate with `verify: full`.',
      }),
    })
    .optional()
    .openapi({
      description: '`scheme: https` only: how the upstream’s certificate is verified (default full).',
    }),
};
const tlsFields = { type: z.literal('tls'), hostname: Hostname, port: Port };
const sshBase = {
  type: z.literal('ssh'),
  hostname: Hostname,
  port: Port.default(22),
  authentication_type: z.enum(['username_and_password', 'private_key', 'border0_certificate']),
  username_provider: z.enum(['defined', 'prompt_client']).default('defined'),
  username: z.string().min(1).max(64).optional(),
};
const databaseBase = {
  type: z.literal('database'),
  protocol: z.enum(['postgres', 'mysql']),
  hostname: Hostname,
  port: Port,
  authentication_type: z.enum(['username_and_password', 'tls', 'no_auth']),
  username: z.string().min(1).max(128).optional(),
  database: z.string().min(1).max(128).optional(),
  tls: z
    .strictObject({
      enabled: z.boolean().default(false),
      verify: z.enum(['full', 'ca', 'none']).default('full'),
      ca_certificate: z.string().max(65536).optional(),
      client_certificate: z
        .string()
        .max(65536)
        .regex(/-----BEGIN CERTIFICATE-----/, 'must be a PEM certificate')
        .optional()
        .openapi({
          description:
            'A client certificate (PEM) the proxy presents to the upstream; its key is the write-only ' +
            '`private_key`. Required with `authentication_type: tls` (PostgreSQL `cert`, MySQL `REQUIRE X509`).',
        }),
    })
    .optional(),
};

export const UpstreamInput = z
  .discriminatedUnion('type', [
    z.strictObject(httpFields).openapi('HttpUpstreamInput'),
    z
      .strictObject({ ...sshBase, password: Secret.optional(), private_key: Secret.optional() })
      .openapi('SshUpstreamInput'),
    z
      .strictObject({
        ...databaseBase,
        password: Secret.optional(),
        private_key: Secret.optional().openapi({
          description: 'The key (PEM) of `tls.client_certificate`, or a reference the connector resolves.',
        }),
      })
      .openapi('DatabaseUpstreamInput'),
    z.strictObject(tlsFields).openapi('TlsUpstreamInput'),
  ])
  .openapi('UpstreamConfigurationInput');

export const Upstream = z
  .discriminatedUnion('type', [
    z.object(httpFields).openapi('HttpUpstream'),
    z
      .object({
        ...sshBase,
        password_set: z.boolean(),
        private_key_set: z.boolean(),
        host_key: z.string().nullable().openapi({
          description:
            'The upstream’s host key, trusted on first use (read-only; `DELETE …/ssh-host-key` clears it).',
        }),
      })
      .openapi('SshUpstream'),
    z
      .object({ ...databaseBase, password_set: z.boolean(), private_key_set: z.boolean() })
      .openapi('DatabaseUpstream'),
    z.object(tlsFields).openapi('TlsUpstream'),
  ])
  .openapi('UpstreamConfiguration', {
    description: 'Secrets are never returned; `*_set` says whether one is stored.',
  });

/** ssh only, with recording: what the client sends is recorded too. Off by default, since it holds passwords. */
const RecordingInputEnabled = z.boolean().openapi({
  description:
    'ssh sockets that record: also record what the client sends on its shell and command channels (asciicast `i` events), so that typing with terminal echo off leaves a trace. Off by default: passwords typed at prompts are recorded too.',
});

export const Socket = z
  .object({
    id: Id,
    name: DnsName,
    display_name: z.string().nullable(),
    description: z.string().nullable(),
    socket_type: SocketType,
    tags: Tags,
    recording_enabled: z.boolean(),
    recording_input_enabled: RecordingInputEnabled,
    connector_ids: z.array(Id),
    upstream_configuration: Upstream,
    dnsname: z
      .string()
      .openapi({ example: 'web-acme.localhost', description: '`<socket>-<org>.<base domain>`' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('Socket');

export const SocketCreate = z
  .strictObject({
    name: DnsName,
    display_name: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    socket_type: SocketType,
    tags: Tags.optional(),
    recording_enabled: z.boolean().optional(),
    recording_input_enabled: RecordingInputEnabled.optional(),
    connector_ids: z.array(Id).max(50).optional(),
    upstream_configuration: UpstreamInput,
  })
  .openapi('SocketCreate');

export const SocketUpdate = z
  .strictObject({
    name: DnsName.optional(),
    display_name: z.string().max(200).nullable().optional(),
    description: z.string().max(2000).nullable().optional(),
    tags: Tags.optional(),
    recording_enabled: z.boolean().optional(),
    recording_input_enabled: RecordingInputEnabled.optional(),
    connector_ids: z.array(Id).max(50).optional(),
    upstream_configuration: UpstreamInput.optional(),
  })
  .openapi('SocketUpdate', {
    description: 'Fields to change. In `upstream_configuration`, an omitted secret keeps the stored one.',
  });

export const SocketListQuery = z.object({
  socket_type: SocketType.optional(),
  name: z.string().max(63).optional().openapi({ description: 'Exact name.' }),
  tag: z
    .string()
    .max(1000)
    .regex(/^[^:,]+:[^,]*(,[^:,]+:[^,]*)*$/, 'must be key:value pairs separated by commas')
    .optional()
    .openapi({ description: 'Sockets having all these tags, e.g. `env:prod,team:web`.' }),
  search: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Substring of name, display name or description.' }),
});

export type UpstreamInputValue = z.infer<typeof UpstreamInput>;
export type SocketCreateValue = z.infer<typeof SocketCreate>;
export type SocketUpdateValue = z.infer<typeof SocketUpdate>;
export type SocketListQueryValue = z.infer<typeof SocketListQuery>;
