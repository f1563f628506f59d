/** Members and roles. */
import { z } from '@hono/zod-openapi';
import { ROLES } from '../platform/auth/roles.js';
import { Email, Id, pageOf, Timestamp } from '../platform/http/common-schemas.js';

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
