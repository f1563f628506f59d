/** Connectors: agents inside private networks that carry sockets' traffic to their upstreams. */
import { z } from '@hono/zod-openapi';
import { DnsName, Id, pageOf, Timestamp } from './common.js';

export const ConnectorStatus = z
  .enum(['online', 'offline'])
  .openapi('ConnectorStatus', { description: '`online` when the connector reported in the last 60 s.' });

export const Connector = z
  .object({
    id: Id,
    name: DnsName,
    description: z.string().nullable(),
    status: ConnectorStatus.openapi({
      description: '`online` when the connector was seen in the last 60 s.',
    }),
    last_seen_at: Timestamp.nullable(),
    version: z.string().nullable().openapi({ description: 'The software version the connector reported.' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('Connector');

export const ConnectorPage = pageOf(Connector, 'ConnectorPage');

export const ConnectorCreate = z
  .strictObject({ name: DnsName, description: z.string().max(2000).optional() })
  .openapi('ConnectorCreate');

export const ConnectorUpdate = z
  .strictObject({ name: DnsName.optional(), description: z.string().max(2000).nullable().optional() })
  .openapi('ConnectorUpdate');
