/** Policies: a v2 document, and the sockets it applies to (org-wide, attached by id, or by tag rules). */

import { PolicyDocument } from '@border0/sdk/policy';
import { z } from '@hono/zod-openapi';
import { DnsName, Id, Timestamp } from '../platform/http/common-schemas.js';
import { Socket } from '../sockets/socket-schemas.js';

/** The socket schema's tag map, reused so both name the same `Tags` component. */
const Tags = Socket.shape.tags;

/** A tag rule matches sockets carrying all its tags; an empty one would match every socket. */
const TagRules = z
  .array(
    Tags.refine((tags) => Object.keys(tags).length > 0, 'must name a tag; use org_wide for every socket'),
  )
  .max(50)
  .openapi({
    description: 'Sockets whose tags include all the tags of one of these maps.',
    example: [{ env: 'prod' }],
  });

const PolicyName = DnsName.openapi({
  example: 'engineers-ssh',
});
const SocketRefs = z
  .array(z.string().min(1).max(63))
  .max(500)
  .openapi({ description: 'Sockets to attach, by id or name.', example: ['web'] });
const DocumentVersion = z.literal('v2').openapi('PolicyVersion');

export const Policy = z
  .object({
    id: Id,
    name: DnsName,
    description: z.string().nullable(),
    version: DocumentVersion,
    document: PolicyDocument,
    org_wide: z.boolean().openapi({ description: 'Applies to every socket of the organization.' }),
    tag_rules: z.array(Tags),
    socket_ids: z.array(Id).openapi({ description: 'Sockets the policy is attached to by id.' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('Policy');

export const PolicyCreate = z
  .strictObject({
    name: PolicyName,
    description: z.string().max(2000).optional(),
    version: DocumentVersion.optional(),
    document: PolicyDocument,
    org_wide: z.boolean().default(false),
    tag_rules: TagRules.optional(),
    sockets: SocketRefs.optional(),
  })
  .openapi('PolicyCreate');

export const PolicyUpdate = z
  .strictObject({
    name: PolicyName.optional(),
    description: z.string().max(2000).nullable().optional(),
    version: DocumentVersion.optional(),
    document: PolicyDocument.optional(),
    org_wide: z.boolean().optional(),
    tag_rules: TagRules.optional(),
    sockets: SocketRefs.optional().openapi({ description: 'Replaces the attached sockets (ids or names).' }),
  })
  .openapi('PolicyUpdate', { description: 'Fields to change.' });

export const PolicyAttach = z
  .strictObject({
    socket: z.string().min(1).max(63).openapi({ description: 'Socket id or name.', example: 'web' }),
  })
  .openapi('PolicyAttach');

export const PolicyListQuery = z.object({
  name: z.string().max(63).optional().openapi({ description: 'Exact name.' }),
  search: z.string().max(200).optional().openapi({ description: 'Substring of name or description.' }),
  socket: z.string().min(1).max(63).optional().openapi({
    description: 'Policies that apply to this socket (id or name): org-wide, attached, or by tag.',
  }),
});

export type PolicyValue = z.infer<typeof Policy>;
export type PolicyCreateValue = z.infer<typeof PolicyCreate>;
export type PolicyUpdateValue = z.infer<typeof PolicyUpdate>;
