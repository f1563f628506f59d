/** Members, groups and roles. */
import { z } from '@hono/zod-openapi';
import { ROLES } from '../platform/auth/roles.js';
import { DnsName, Email, Id, pageOf, Timestamp } from '../platform/http/common-schemas.js';

export const Role = z.enum(ROLES).openapi('Role');

export const Member = z
  .object({
    user_id: Id,
    email: Email,
    display_name: z.string().nullable(),
    role: Role,
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('Member');

export const MemberPage = pageOf(Member, 'MemberPage');

export const MemberCreate = z.strictObject({ email: Email, role: Role }).openapi('MemberCreate');
export const MemberUpdate = z.strictObject({ role: Role }).openapi('MemberUpdate');

export const MemberListQuery = z.object({
  role: Role.optional(),
  search: z.string().max(200).optional().openapi({ description: 'Substring of the email.' }),
});

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
