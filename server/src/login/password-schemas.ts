/** Bodies of the password operations. Passwords are never echoed back nor written to the audit log. */
import { z } from '@hono/zod-openapi';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.js';

const Password = z
  .string()
  .min(MIN_PASSWORD_LENGTH)
  .max(MAX_PASSWORD_LENGTH)
  .openapi({ description: `At least ${MIN_PASSWORD_LENGTH} characters.`, format: 'password' });

export const PasswordSet = z.strictObject({ password: Password }).openapi('PasswordSet');

export const PasswordChange = z
  .strictObject({
    current_password: z
      .string()
      .min(1)
      .max(MAX_PASSWORD_LENGTH)
      .optional()
      .openapi({ format: 'password', description: 'Required once the account has a password.' }),
    password: Password,
  })
  .openapi('PasswordChange');
