/** Organizations: tenants, each with a unique DNS name under the base domain. */
import { z } from '@hono/zod-openapi';
import { Role } from '../members/member-schemas.js';
import { DnsName, Id, Timestamp } from '../platform/http/common-schemas.js';

export const Organization = z
  .object({
    id: Id,
    name: DnsName,
    display_name: z.string().nullable(),
    domain: z.string().openapi({ example: 'acme.localhost', description: '`<org>.<base domain>`' }),
    role: Role,
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('Organization');

export const OrganizationCreate = z
  .strictObject({ name: DnsName, display_name: z.string().max(200).optional() })
  .openapi('OrganizationCreate');

export const OrganizationCreated = Organization.extend({
  owner_token: z.string().openapi({ description: 'An owner token for the new organization. Shown once.' }),
}).openapi('OrganizationCreated');

export const OrganizationUpdate = z
  .strictObject({ display_name: z.string().max(200).nullable().optional() })
  .openapi('OrganizationUpdate');

/** An organization named in the data plane's answers. */
export const OrganizationRef = z.object({ id: Id, name: DnsName }).openapi('OrganizationRef');
