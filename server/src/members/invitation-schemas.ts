/** Invitations: how a person who already has an account joins another organization, by their own choice. */
import { z } from '@hono/zod-openapi';
import { OrganizationRef } from '../organizations/organization-schemas.js';
import { Email, Id, pageOf, Timestamp } from '../platform/http/common-schemas.js';
import { Role } from './member-schemas.js';

export const Invitation = z
  .object({
    id: Id,
    email: Email,
    role: Role,
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    invited_by: z.string().openapi({ description: 'Who invited, as the audit log names them.' }),
    created_at: Timestamp,
    expires_at: Timestamp,
    decided_at: Timestamp.nullable().openapi({ description: 'When it was accepted or revoked.' }),
  })
  .openapi('Invitation');

export const InvitationCreated = Invitation.extend({
  code: z.string().openapi({
    description:
      'Shown once: give it to the person, who accepts with it while logged in to their own account ' +
      '(`POST /invitations/accept`, `border0 invitation accept <code>`).',
  }),
}).openapi('InvitationCreated');

export const InvitationPage = pageOf(Invitation, 'InvitationPage');

export const InvitationCreate = z.strictObject({ email: Email, role: Role }).openapi('InvitationCreate');

export const InvitationAccept = z
  .strictObject({
    code: z.string().min(1).max(200).openapi({ description: 'The code the invitation was created with.' }),
  })
  .openapi('InvitationAccept');

export const InvitationAccepted = z
  .object({ organization: OrganizationRef, role: Role })
  .openapi('InvitationAccepted', {
    description: 'The organization the account is now a member of: log in to it (`border0 login --org`).',
  });
