/** Connectors: agents inside private networks that carry sockets' traffic to their upstreams, and their API. */
import { z } from '@hono/zod-openapi';
import { OrganizationRef } from '../organizations/organization-schemas.js';
import { DnsName, Id, pageOf, Timestamp } from '../platform/http/common-schemas.js';
import { Socket, SocketType, UpstreamInput } from '../sockets/socket-schemas.js';

export const ConnectorStatus = z
  .enum(['online', 'offline'])
  .openapi('ConnectorStatus', { description: '`online` when the connector reported in the last 60 s.' });

export const ConnectorDiscoveryStatus = z
  .object({
    plugin: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9_-]+$/)
      .openapi({ example: 'network' }),
    last_run_at: Timestamp.nullable().openapi({ description: 'When the plugin last finished a run.' }),
    error: z
      .string()
      .max(2000)
      .nullable()
      .openapi({ description: 'Why the last run failed; null if it did not.' }),
    resources: z.number().int().min(0).openapi({ description: 'Resources the last run found.' }),
  })
  .openapi('ConnectorDiscoveryStatus', { description: 'A discovery plugin’s last run on the connector.' });

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
    proxies_connected: z.array(z.string()).openapi({
      description: 'The proxies the connector reported holding a tunnel to, as of `last_seen_at`.',
    }),
    discovery: z.array(ConnectorDiscoveryStatus).openapi({
      description: 'The discovery plugins the connector runs, as of its last heartbeat.',
    }),
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

/** What a connector fetches about itself: its sockets, the proxies to hold tunnels to, the CA to verify them. */
export const ConnectorConfig = z
  .object({
    connector: z.object({ id: Id, name: DnsName, organization: OrganizationRef }),
    sockets: z.array(
      Socket.pick({
        id: true,
        name: true,
        dnsname: true,
        socket_type: true,
        upstream_configuration: true,
      })
        .extend({
          secret_references: z.array(z.string()).openapi({
            description:
              // biome-ignore lint/suspicious/noTemplateCurlyInString: the product's secret reference syntax
              'The secret references among the socket’s credentials (`${from:env:NAME}`, `${from:file:PATH}`): ' +
              'the connector resolves these, and only these, when a proxy asks for them.',
          }),
        })
        .openapi('ConnectorSocket', {
          description: 'A socket the connector serves. Secrets are never included; references to them are.',
        }),
    ),
    proxies: z
      .array(
        z
          .object({
            name: DnsName,
            public_address: z.string().openapi({ example: 'proxy-1.example.net:8443' }),
            region: z.string().nullable(),
          })
          .openapi('ConnectorProxy'),
      )
      .openapi({ description: 'The proxies registered in the last 60 s: hold a tunnel to each.' }),
    platform_ca: z.string().openapi({ description: 'The CA certificate (PEM) to verify proxies with.' }),
    base_domain: z.string().openapi({
      description:
        'The name the proxies’ certificates hold (with `*.` before it): the server name for tunnels.',
      example: 'localhost',
    }),
  })
  .openapi('ConnectorConfig');

export const ConnectorHeartbeat = z
  .strictObject({
    version: z.string().min(1).max(64).openapi({ example: '0.1.0' }),
    proxies_connected: z
      .array(DnsName)
      .max(100)
      .openapi({ description: 'Names of the proxies the connector holds a tunnel to.' }),
    discovery: z
      .array(ConnectorDiscoveryStatus)
      .max(32)
      .optional()
      .openapi({ description: 'Each discovery plugin’s last run; absent leaves the last report as it was.' }),
  })
  .openapi('ConnectorHeartbeat');

export const ConnectorSocketPut = z
  .strictObject({
    socket_type: SocketType,
    upstream_configuration: UpstreamInput,
    tags: Socket.shape.tags.optional(),
    description: z.string().max(2000).optional(),
  })
  .openapi('ConnectorSocketPut', {
    description: 'A socket the connector declares (e.g. in connector.yaml); absent fields are cleared.',
  });
