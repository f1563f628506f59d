/**
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: no channel binding (gs2 flag
 * `n`: the proxy's TLS to the upstream is its own), and the server's signature checked, so an upstream that
 * does not know the password cannot pass as the database.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const derive = promisify(pbkdf2);

export class ScramError extends Error {
  override readonly name = 'ScramError';
}

export interface ScramClient {
  /** The client-first message (SASLInitialResponse data). */
  first: string;
  /** The client-final message for the server-first one (SASLContinue data). */
  final(serverFirst: string): Promise<string>;
  /** Checks the server-final message (SASLFinal data); throws when the server's proof is wrong. */
  verify(serverFinal: string): void;
}

/** `user` is empty for PostgreSQL, which takes the role from the startup message. */
export function scramClient(
  password: string,
  nonce = randomBytes(18).toString('base64'),
  user = '',
): ScramClient {
  const clientFirstBare = `n=${user},r=${nonce}`;
  let serverSignature: Buffer | undefined;
  return {
    first: `n,,${clientFirstBare}`,
    async final(serverFirst) {
      const fields = attributes(serverFirst);
      const serverNonce = fields.get('r');
      const salt = fields.get('s');
      const iterations = Number(fields.get('i'));
      if (!serverNonce?.startsWith(nonce) || serverNonce.length === nonce.length) {
        throw new ScramError('the server’s nonce does not extend ours');
      }
      if (salt === undefined || !Number.isInteger(iterations) || iterations < 1) {
        throw new ScramError('the server’s first message is malformed');
      }
      const salted = await derive(
        password.normalize('NFKC'),
        Buffer.from(salt, 'base64'),
        iterations,
        32,
        'sha256',
      );
      const clientKey = hmac(salted, 'Client Key');
      const storedKey = createHash('sha256').update(clientKey).digest();
      const withoutProof = `c=biws,r=${serverNonce}`;
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const signature = hmac(storedKey, authMessage);
      const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!));
      serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
      return `${withoutProof},p=${proof.toString('base64')}`;
    },
    verify(serverFinal) {
      const fields = attributes(serverFinal);
      if (fields.has('e')) throw new ScramError(`the server refused: ${fields.get('e')}`);
      const given = Buffer.from(fields.get('v') ?? '', 'base64');
      if (
        !serverSignature ||
        given.length !== serverSignature.length ||
        !timingSafeEqual(given, serverSignature)
      ) {
        throw new ScramError('the server’s signature is wrong: it does not know the password');
      }
    },
  };
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

function attributes(message: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) fields.set(part[0]!, part.slice(2));
  }
  return fields;
}

/** PostgreSQL's md5 password answer: "md5" + md5(md5(password + user) + salt). */
export function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5')
    .update(password + user)
    .digest('hex');
  return `md5${createHash('md5')
    .update(Buffer.concat([Buffer.from(inner), salt]))
    .digest('hex')}`;
}
