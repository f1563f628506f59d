/**
 * The connector's answer to a proxy's secret request (see @border0/protocol's secret channel): it resolves a
 * reference only when the control plane configured that reference on the socket the channel belongs to, so a
 * proxy cannot read arbitrary variables or files of the connector's host.
 */
import { open } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { Duplex } from 'node:stream';
import {
  parseSecretReference,
  readJsonLine,
  SECRET_ANSWER_LIMIT,
  SECRET_REQUEST_LIMIT,
  writeJsonLine,
} from '@border0/protocol';

/** The references a socket's credentials hold, by dnsname; undefined: the socket is not served. */
export type SecretReferencesOf = (dnsname: string) => readonly string[] | undefined;

/** Room left in an answer line for the value once JSON escaping and the envelope are counted. */
const MAX_SECRET_BYTES = 64 * 1024;

/** Reads the secret `text` names; rejects with a message fit for the proxy (it never holds the secret). */
export async function resolveSecretReference(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const reference = parseSecretReference(text);
  if (!reference) throw new Error('not a secret reference');
  if (reference.source === 'env') {
    const value = env[reference.name];
    if (!value) throw new Error(`environment variable ${reference.name} is not set on the connector`);
    return value;
  }
  if (!isAbsolute(reference.name)) throw new Error(`secret file ${reference.name} is not an absolute path`);
  let content: Buffer;
  try {
    const file = await open(reference.name, 'r');
    try {
      // One byte more than allowed tells a file that is too large without reading all of it.
      const buffer = Buffer.alloc(MAX_SECRET_BYTES + 1);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      content = buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`cannot read secret file ${reference.name} on the connector: ${code}`);
  }
  if (content.length > MAX_SECRET_BYTES) {
    throw new Error(`secret file ${reference.name} is larger than ${MAX_SECRET_BYTES} bytes`);
  }
  // Secret files (Docker and Kubernetes secrets, `echo pw > file`) usually end with one newline.
  const value = content.toString('utf8').replace(/\r?\n$/, '');
  if (value.length === 0) throw new Error(`secret file ${reference.name} is empty`);
  return value;
}

/** Answers one secret request on `channel` for socket `dnsname`, then ends the channel. */
export async function answerSecretRequest(
  channel: Duplex,
  dnsname: string,
  referencesOf: SecretReferencesOf,
  timeoutMs = 10_000,
): Promise<void> {
  channel.on('error', () => {});
  let answer: Record<string, unknown>;
  try {
    const request = await readJsonLine(channel, SECRET_REQUEST_LIMIT, timeoutMs);
    const reference = typeof request.reference === 'string' ? request.reference.trim() : '';
    if (!referencesOf(dnsname)?.includes(reference)) {
      throw new Error(`the reference is not configured on socket ${dnsname}`);
    }
    answer = { value: await resolveSecretReference(reference) };
  } catch (error) {
    answer = { error: (error as Error).message };
  }
  if (JSON.stringify(answer).length >= SECRET_ANSWER_LIMIT) answer = { error: 'the secret is too large' };
  writeJsonLine(channel, answer);
  channel.end();
}
