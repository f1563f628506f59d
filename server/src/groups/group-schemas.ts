/** Groups: named sets of members that policies can grant access to. */
import { z } from '@hono/zod-openapi';
import { DnsName, Email, Id, pageOf, Timestamp } from '../platform/http/common-schemas.js';

export const GroupMember = z.object({ user_id: Id, email: Email }).openapi('GroupMember');

export const Group = z
  .object({
    id: Id,
    name: DnsName,
    description: z.string().nullable(),
    members: z.array(GroupMember),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('Group');

export const GroupPage = pageOf(Group, 'GroupPage');

export const GroupCreate = z
  .strictObject({ name: DnsName, description: z.string().max(2000).optional() })
  .openapi('GroupCreate');
export const GroupUpdate = z
  .strictObject({ name: DnsName.optional(), description: z.string().max(2000).nullable().optional() })
  .openapi('GroupUpdate');
export const GroupMemberAdd = z.strictObject({ email: Email }).openapi('GroupMemberAdd');
