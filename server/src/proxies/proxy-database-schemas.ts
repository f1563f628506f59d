/** What a proxy is told about a database socket's upstream during a session. */
import { z } from '@hono/zod-openapi';

export const DatabaseUpstreamCredentials = z
  .object({
    protocol: z.enum(['postgres', 'mysql']),
    hostname: z.string(),
    port: z.number().int(),
    authentication_type: z.enum(['username_and_password', 'tls', 'no_auth']),
    username: z.string().nullable().openapi({
      description: 'The upstream user; null when the socket names none (the client’s own user name is used).',
    }),
    database: z
      .string()
      .nullable()
      .openapi({ description: 'The socket’s default database, if it names one.' }),
    password: z.string().optional().openapi({ description: 'The stored password, when the socket has one.' }),
    private_key: z.string().optional().openapi({
      description: 'The key of `tls.client_certificate`, when the socket has one (or a secret reference).',
    }),
    tls: z.object({
      enabled: z.boolean(),
      verify: z.enum(['full', 'ca', 'none']),
      ca_certificate: z.string().optional(),
      client_certificate: z.string().optional(),
    }),
  })
  .openapi('DatabaseUpstreamCredentials', {
    description: 'What a proxy needs to log in to a database socket’s upstream for one live session. Secret.',
  });
