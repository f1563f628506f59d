/** Service accounts: non-human principals with a role, authenticating with their tokens. */
import { z } from '@hono/zod-openapi';
import { Role } from '../members/member-schemas.js';
import { DnsName, Id, pageOf, Timestamp } from '../platform/http/common-schemas.js';

export const ServiceAccount = z
  .object({
    id: Id,
    name: DnsName,
    description: z.string().nullable(),
    role: Role,
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('ServiceAccount');

export const ServiceAccountPage = pageOf(ServiceAccount, 'ServiceAccountPage');

export const ServiceAccountCreate = z
  .strictObject({ name: DnsName, description: z.string().max(2000).optional(), role: Role })
  .openapi('ServiceAccountCreate');

export const ServiceAccountUpdate = z
  .strictObject({
    name: DnsName.optional(),
    description: z.string().max(2000).nullable().optional(),
    role: Role.optional(),
  })
  .openapi('ServiceAccountUpdate', { description: 'A new role applies to the account’s tokens at once.' });
