/** A client certificate of the organization's CA, made the way the CLI makes one, for benchmarks' clients. */
import 'reflect-metadata';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { createClient } from '@border0/sdk';
import * as x509 from '@peculiar/x509';

export interface Credentials {
  key: string;
  cert: string;
  platformCa: string;
}

/** A client certificate for the owner: a P-256 key made here, a CSR, the organization's client CA signs. */
export async function clientCredentials(apiUrl: string, token: string): Promise<Credentials> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const client = createClient({ baseUrl: apiUrl, token });
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      pair.publicKey.export({ type: 'spki', format: 'der' }),
      algorithm,
      true,
      ['verify'],
    ),
  };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=border0-bench',
    keys,
    signingAlgorithm: algorithm,
  });
  const issued = await client.post('/api/v1/client/certificates', { body: { csr: csr.toString('pem') } });
  const authorities = await client.get('/api/v1/client/ca');
  return {
    key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: `${issued.certificate.trim()}\n${issued.ca_certificate.trim()}\n`,
    platformCa: authorities.platform_ca_certificate,
  };
}
