/** A person's own second factor and logins: TOTP enrolment, and logging out everywhere. */
import { z } from '@hono/zod-openapi';

const Password = z.string().min(1).max(256);

export const TotpEnrolmentRequest = z
  .strictObject({ password: Password.openapi({ description: 'The account’s current password.' }) })
  .openapi('TotpEnrolmentRequest');

export const TotpEnrolment = z
  .object({
    otpauth_url: z.string().openapi({
      description: 'For an authenticator app (as a QR code or pasted); shown once.',
      example: 'otpauth://totp/Border0:alice%40acme.dev?issuer=Border0&secret=JBSWY3DPEHPK3PXP',
    }),
    secret: z.string().openapi({ description: 'The same secret in base32; shown once.' }),
  })
  .openapi('TotpEnrolment');

export const TotpCode = z
  .strictObject({
    code: z
      .string()
      .regex(/^\d{6}$/, 'must be the 6 digits the authenticator app shows')
      .openapi({ example: '123456' }),
  })
  .openapi('TotpCode');

export const TotpRemoval = z
  .strictObject({ password: Password.openapi({ description: 'The account’s current password.' }) })
  .openapi('TotpRemoval');

export const LoggedOut = z
  .object({
    logins_ended: z.number().int().openapi({
      description: 'Browser logins and device logins that ended (their web sessions with them).',
    }),
  })
  .openapi('LoggedOut');
