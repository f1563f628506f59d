/** Bodies of what a proxy asks about an ssh socket's upstream during a session. */
import { z } from '@hono/zod-openapi';

const LoginName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._][A-Za-z0-9._@-]*$/, 'must be a login name: letters, digits, . _ - @')
  .openapi({ example: 'ubuntu' });
const PublicKeyLine = z
  .string()
  .min(16)
  .max(16384)
  .openapi({ example: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI…' });

export const SshUpstreamRequest = z
  .strictObject({
    login_name: LoginName.optional().openapi({
      description: 'The login name the client asked for; used when the socket lets the client pick it.',
    }),
    public_key: PublicKeyLine.optional().openapi({
      description: 'For `border0_certificate` sockets: the proxy’s one-off key, which the answer certifies.',
    }),
  })
  .openapi('SshUpstreamRequest');

export const SshUpstreamCredentials = z
  .object({
    hostname: z.string(),
    port: z.number().int(),
    authentication_type: z.enum(['username_and_password', 'private_key', 'border0_certificate']),
    login_name: LoginName,
    password: z.string().optional().openapi({ description: 'For `username_and_password`.' }),
    private_key: z.string().optional().openapi({ description: 'For `private_key` (OpenSSH or PEM).' }),
    certificate: z.string().optional().openapi({
      description: 'For `border0_certificate`: a user certificate for `public_key`, valid for minutes.',
    }),
    host_key: z.string().nullable().openapi({
      description:
        'The upstream host key trusted so far (OpenSSH line), or null before the first connection.',
    }),
  })
  .openapi('SshUpstreamCredentials', {
    description: 'What a proxy needs to log in to an ssh socket’s upstream for one live session. Secret.',
  });

export const SshHostKeyReport = z
  .strictObject({ host_key: PublicKeyLine.openapi({ description: 'The key the upstream presented.' }) })
  .openapi('SshHostKeyReport');

export const SshHostKeyVerdict = z
  .object({
    trust: z.enum(['known', 'first_use']).openapi({
      description: '`first_use`: none was kept, this one is now; `known`: it is the one kept.',
    }),
    fingerprint: z.string().openapi({ example: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU' }),
  })
  .openapi('SshHostKeyVerdict');
