/**
 * The proxies' API: registration, what a proxy looks up and caches, and what it reports (sessions are in
 * sessions/session-schemas.ts, recordings in recordings/recording-schemas.ts).
 */
import { z } from '@hono/zod-openapi';
import { OrganizationRef } from '../organizations/organization-schemas.js';
import { DnsName, Id, Timestamp } from '../platform/http/common-schemas.js';
import { Policy } from '../policies/policy-schemas.js';
import { Socket, SocketType } from '../sockets/socket-schemas.js';

/** `host:port`, the host a name, an IPv4 address or a bracketed IPv6 address. */
const HostPort = z
  .string()
  .max(261)
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port')
  .refine((value) => {
    const port = Number(value.slice(value.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65535;
  }, 'the port must be 1 to 65535')
  .openapi({ example: 'proxy-1.example.net:8443' });

export const ProxyRegistration = z
  .strictObject({
    name: DnsName.openapi({ example: 'eu-1' }),
    public_address: HostPort.openapi({ description: 'Where clients and connectors reach this proxy.' }),
    region: z.string().min(1).max(63).optional().openapi({ example: 'eu-west' }),
    version: z.string().min(1).max(64).optional(),
  })
  .openapi('ProxyRegistration');

export const ProxyRegistered = z
  .object({
    id: Id,
    name: DnsName,
    heartbeat_interval_seconds: z
      .number()
      .int()
      .openapi({
        description:
          'Register again this often, and re-assert the live sessions carried (`POST /proxy/sessions/live`); ' +
          'a proxy unheard of for 60 s is no longer offered to connectors.',
        example: 10,
      }),
    session_lease_seconds: z.number().openapi({
      description:
        'A live session neither re-asserted nor reported on for this long is ended by the control plane ' +
        '(3.5 heartbeats).',
      example: 35,
    }),
  })
  .openapi('ProxyRegistered');

/** At most this many session ids per re-assertion; a proxy carrying more sends several. */
export const ProxySocket = Socket.pick({
  id: true,
  name: true,
  dnsname: true,
  socket_type: true,
  tags: true,
  connector_ids: true,
  recording_enabled: true,
  recording_input_enabled: true,
  upstream_configuration: true,
}).openapi('ProxySocket', { description: 'A socket as a proxy serves it. Secrets are never included.' });

export const ProxySocketLookup = z
  .object({ socket: ProxySocket, organization: OrganizationRef })
  .openapi('ProxySocketLookup');

export const DnsnameParams = z.object({
  dnsname: z
    .string()
    .min(1)
    .max(253)
    .openapi({ param: { name: 'dnsname', in: 'path' }, example: 'web-acme.localhost' }),
});

export const OrganizationIdParams = z.object({
  organization_id: Id.openapi({ param: { name: 'organization_id', in: 'path' } }),
});

export const PolicyInput = Policy.pick({
  id: true,
  name: true,
  document: true,
  org_wide: true,
  tag_rules: true,
  socket_ids: true,
}).openapi('PolicyInput', { description: 'A policy as the policy engine of @border0/sdk/policy reads it.' });

export const PolicyIdentity = z
  .object({
    email: z.string(),
    groups: z.array(Id).openapi({ description: 'Ids of the groups the person belongs to.' }),
  })
  .openapi('PolicyIdentity');

export const PolicyData = z
  .object({
    organization_id: Id,
    policies: z.array(PolicyInput),
    identities: z.array(PolicyIdentity).openapi({
      description:
        'The members who may use sockets (every role but read_only), with their groups. Anyone else, e.g. ' +
        'the holder of a certificate of a removed member, is denied.',
    }),
    service_accounts: z.array(z.string()).openapi({
      description: 'Names of the service accounts that may use sockets; any other is denied.',
    }),
    version: z.string().openapi({
      description: 'A digest of this content: equal versions mean equal data.',
      example: '5f0c9a7e3b1d2c4e6f8a0b1c2d3e4f50',
    }),
  })
  .openapi('PolicyData', { description: 'What a proxy needs to decide with the SDK’s PolicyEngine.' });

export const ProxyTrust = z
  .object({
    client_cas: z
      .array(
        z
          .object({
            organization_id: Id,
            organization_name: DnsName,
            certificate: z
              .string()
              .openapi({ description: 'The organization’s client CA certificate, PEM.' }),
            ssh_ca_public_key: z.string().openapi({
              description: 'The organization’s SSH user CA key (OpenSSH line), for SSH user certificates.',
            }),
          })
          .openapi('OrganizationClientCa'),
      )
      .openapi({ description: 'One per organization: what client certificates are verified against.' }),
    platform_ca: z.string().openapi({
      description: 'The platform CA certificate (PEM) that signs proxies’ server certificates.',
    }),
  })
  .openapi('ProxyTrust');

export const ProxyCertificateRequest = z
  .strictObject({
    csr: z.string().min(1).max(16_384).openapi({
      description: 'A PEM PKCS#10 request signed with the proxy’s key (ECDSA P-256 or RSA ≥ 2048).',
    }),
  })
  .openapi('ProxyCertificateRequest');

export const ProxyCertificate = z
  .object({
    certificate: z.string().openapi({ description: 'For `*.<base domain>` and `<base domain>`, PEM.' }),
    ca_certificate: z.string().openapi({ description: 'The platform CA certificate, PEM.' }),
    not_after: Timestamp,
  })
  .openapi('ProxyCertificate');

export const ConnectorAuthenticationRequest = z
  .strictObject({
    token: z.string().min(1).max(512).openapi({ description: 'The token the connector presented.' }),
  })
  .openapi('ConnectorAuthenticationRequest');

export const ConnectorAuthentication = z
  .object({
    connector: z.object({ id: Id, name: DnsName, organization_id: Id, organization_name: DnsName }),
    token_id: Id.openapi({
      description: 'The token presented: its revocation (a `connector-revoke` event) cuts the tunnel.',
    }),
    sockets: z
      .array(z.object({ id: Id, dnsname: z.string(), socket_type: SocketType }))
      .openapi({ description: 'The sockets the connector serves.' }),
  })
  .openapi('ConnectorAuthentication');
