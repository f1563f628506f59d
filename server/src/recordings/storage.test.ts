/**
 * One contract for every recording storage backend, run against a local directory and against a real
 * S3-compatible server (s3rver, in a child process on loopback), plus what only the local layout or the
 * environment configuration promise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirectoryStorage } from './local-storage.js';
import type { S3RecordingStorage } from './s3-storage.js';
import { createRecordingStorage, type RecordingStorage, recordingStorageConfigFromEnv } from './storage.js';

/*
 * s3rver runs in a child Node with the legacy OpenSSL provider: it encrypts ListObjectsV2 continuation tokens
 * with DES, which OpenSSL 3 (Node ≥ 17) refuses by default, so paging past 1000 keys fails in-process with
 * ERR_OSSL_EVP_UNSUPPORTED. The child exits when its stdin closes, so a crashed test worker leaves no server.
 */
const S3RVER_MAIN = `
const S3rver = require(process.argv[1]);
process.stdin.on('end', () => process.exit(0)).resume();
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] })
  .run()
  .then(({ port }) => process.stdout.write(port + '\\n'), (error) => { process.stderr.write(String(error)); process.exit(1); });
`;

async function startS3rver(directory: string): Promise<{ port: number; stop(): Promise<void> }> {
  const main = createRequire(import.meta.url).resolve('s3rver');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', S3RVER_MAIN, main, directory],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.stdin?.end();
    await exited;
  };
  const listening = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(Number(line)));
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening`)));
  });
  try {
    return { port: await listening, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Backend {
  name: string;
  start(): Promise<{ storage: RecordingStorage; stop(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'LocalDirectoryStorage',
    async start() {
      const root = await mkdtemp(join(tmpdir(), 'border0-recordings-'));
      return {
        storage: createRecordingStorage({ kind: 'local', directory: join(root, 'store') }),
        stop: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'S3RecordingStorage (s3rver)',
    async start() {
      const directory = await mkdtemp(join(tmpdir(), 'border0-s3rver-'));
      const server = await startS3rver(directory);
      const options = {
        endpoint: `http://127.0.0.1:${server.port}`,
        region: 'us-east-1',
        bucket: 'recordings',
        // s3rver's fixed credentials.
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        forcePathStyle: true,
        prefix: 'test',
      };
      const admin = new S3Client({
        endpoint: options.endpoint,
        region: options.region,
        forcePathStyle: true,
        credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      });
      await admin.send(new CreateBucketCommand({ Bucket: options.bucket }));
      admin.destroy();
      const storage = createRecordingStorage({ kind: 's3', ...options }) as S3RecordingStorage;
      return {
        storage,
        async stop() {
          storage.destroy();
          await server.stop();
          await rm(directory, { recursive: true, force: true });
        },
      };
    },
  },
];

const text = (value: string) => new TextEncoder().encode(value);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** A fresh key per test, so tests share one server without seeing each other's chunks. */
const newKey = () => `org_${randomUUID().slice(0, 8)}/ses_${randomUUID().slice(0, 8)}/rec_1`;

async function readAll(storage: RecordingStorage, key: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of storage.read(key)) parts.push(part);
  return Buffer.concat(parts);
}

for (const backend of BACKENDS) {
  describe(backend.name, () => {
    let storage: RecordingStorage;
    let stop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ storage, stop } = await backend.start());
    });
    afterAll(async () => {
      await stop?.();
    });

    it('reads chunks back in seq order even when they were put out of order', async () => {
      const key = newKey();
      for (const seq of [2, 0, 3, 1]) await storage.putChunk(key, seq, text(`<${seq}>`));
      expect((await readAll(storage, key)).toString()).toBe('<0><1><2><3>');
      expect(await storage.size(key)).toBe(12);
    });

    it('orders by number, not by digits: chunk 10 comes after chunk 9', async () => {
      const key = newKey();
      await storage.putChunk(key, 10, text('b'));
      await storage.putChunk(key, 9, text('a'));
      expect((await readAll(storage, key)).toString()).toBe('ab');
    });

    it('keeps one copy of a chunk put twice (a retried chunk), the last write winning', async () => {
      const key = newKey();
      await storage.putChunk(key, 0, text('header\n'));
      await storage.putChunk(key, 1, text('event\n'));
      await storage.putChunk(key, 1, text('event\n'));
      expect((await readAll(storage, key)).toString()).toBe('header\nevent\n');
      await storage.putChunk(key, 1, text('again\n'));
      expect((await readAll(storage, key)).toString()).toBe('header\nagain\n');
    });

    it('reads one chunk alone, an empty one as empty, and a chunk not stored as undefined', async () => {
      const key = newKey();
      await storage.putChunk(key, 0, text('header\n'));
      await storage.putChunk(key, 2, new Uint8Array(0));
      await storage.putChunk(key, 10, text('ten'));
      expect(Buffer.from((await storage.readChunk(key, 0))!).toString()).toBe('header\n');
      expect((await storage.readChunk(key, 2))?.length).toBe(0);
      expect(Buffer.from((await storage.readChunk(key, 10))!).toString()).toBe('ten');
      expect(await storage.readChunk(key, 1)).toBeUndefined();
      expect(await storage.readChunk(newKey(), 0)).toBeUndefined();
      await storage.remove(key);
      expect(await storage.readChunk(key, 0)).toBeUndefined();
    });

    it('reads more than one listing page (over 1000 chunks) in order, and removes them all', async () => {
      const key = newKey();
      const count = 1001; // one past a listing page and a DeleteObjects batch
      for (let start = 0; start < count; start += 75) {
        const seqs = Array.from({ length: Math.min(75, count - start) }, (_, i) => start + i);
        await Promise.all(seqs.map((seq) => storage.putChunk(key, seq, text(`${seq},`))));
      }
      const expected = Array.from({ length: count }, (_, seq) => `${seq},`).join('');
      expect((await readAll(storage, key)).toString()).toBe(expected);
      await storage.remove(key);
      expect((await readAll(storage, key)).length).toBe(0);
    });

    it('reads an unknown key as empty, with size 0, and removes it without error', async () => {
      const key = newKey();
      expect((await readAll(storage, key)).length).toBe(0);
      expect(await storage.size(key)).toBe(0);
      await expect(storage.remove(key)).resolves.toBeUndefined();
    });

    it('removes one recording and leaves its siblings and deeper keys alone', async () => {
      const key = newKey();
      const sibling = key.replace(/rec_1$/, 'rec_2');
      const deeper = `${key}/0000000001`;
      await storage.putChunk(key, 0, text('mine'));
      await storage.putChunk(key, 1, text('mine too'));
      await storage.putChunk(sibling, 0, text('sibling'));
      await storage.putChunk(deeper, 0, text('deeper'));
      expect((await readAll(storage, key)).toString()).toBe('minemine too');
      await storage.remove(key);
      expect((await readAll(storage, key)).length).toBe(0);
      expect((await readAll(storage, sibling)).toString()).toBe('sibling');
      expect((await readAll(storage, deeper)).toString()).toBe('deeper');
    });

    it('keeps binary data intact', async () => {
      const key = newKey();
      const chunks = [randomBytes(150_000), randomBytes(1), randomBytes(0), randomBytes(70_000)];
      for (const [seq, chunk] of chunks.entries()) await storage.putChunk(key, seq, chunk);
      const read = await readAll(storage, key);
      expect(read.length).toBe(220_001);
      expect(sha256(read)).toBe(sha256(Buffer.concat(chunks)));
      expect(await storage.size(key)).toBe(220_001);
    });

    it.each([
      ['climbs out of the root', '../etc/passwd'],
      ['climbs in the middle', 'org/../../x'],
      ['is absolute', '/org/ses/rec'],
      ['has a dot segment', 'org/./rec'],
      ['has a space', 'org/ses 1/rec'],
      ['has a backslash', 'org\\ses\\rec'],
      ['has a non-ASCII letter', 'org/sés/rec'],
      ['has an empty segment', 'org//rec'],
      ['ends with a slash', 'org/ses/'],
      ['is empty', ''],
    ])('rejects a key that %s', async (_, key) => {
      await expect(storage.putChunk(key, 0, text('x'))).rejects.toThrow(/recording key/);
      await expect(readAll(storage, key)).rejects.toThrow(/recording key/);
      await expect(storage.size(key)).rejects.toThrow(/recording key/);
      await expect(storage.remove(key)).rejects.toThrow(/recording key/);
      await expect(storage.readChunk(key, 0)).rejects.toThrow(/recording key/);
    });

    it.each([-1, 1.5, Number.NaN, 1e10])('rejects chunk seq %s', async (seq) => {
      await expect(storage.putChunk(newKey(), seq, text('x'))).rejects.toThrow(/chunk seq/);
      await expect(storage.readChunk(newKey(), seq)).rejects.toThrow(/chunk seq/);
    });
  });
}

describe('LocalDirectoryStorage on disk', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'border0-recordings-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps recordings private to its user: folders 0700, chunk files 0600, no temporary file left', async () => {
    const storage = new LocalDirectoryStorage(join(root, 'private'));
    await storage.putChunk('org/ses/rec', 0, text('secret'));
    for (const path of ['private', 'private/org', 'private/org/ses', 'private/org/ses/rec']) {
      expect((await stat(join(root, path))).mode & 0o777).toBe(0o700);
    }
    expect(await readdir(join(root, 'private/org/ses/rec'))).toEqual(['0000000000.chunk']);
    expect((await stat(join(root, 'private/org/ses/rec/0000000000.chunk'))).mode & 0o777).toBe(0o600);
  });

  it('ignores the temporary file a crash left behind, and removes it with the recording', async () => {
    const storage = new LocalDirectoryStorage(join(root, 'crash'));
    await storage.putChunk('org/ses/rec', 0, text('whole'));
    const folder = join(root, 'crash/org/ses/rec');
    await writeFile(join(folder, `.0000000001.chunk.${randomUUID()}.tmp`), 'ha');
    expect((await readAll(storage, 'org/ses/rec')).toString()).toBe('whole');
    await storage.remove('org/ses/rec');
    await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('recordingStorageConfigFromEnv', () => {
  it('chooses the local directory by default, and BORDER0_RECORDINGS_DIR over the default', () => {
    expect(recordingStorageConfigFromEnv({}, '/var/lib/b0')).toEqual({
      kind: 'local',
      directory: '/var/lib/b0',
    });
    expect(recordingStorageConfigFromEnv({ BORDER0_RECORDINGS_DIR: '/data/rec' }, '/var/lib/b0')).toEqual({
      kind: 'local',
      directory: '/data/rec',
    });
  });

  it('chooses S3 when a bucket is set, path-style for a custom endpoint', () => {
    const config = recordingStorageConfigFromEnv(
      {
        BORDER0_RECORDINGS_DIR: '/ignored',
        BORDER0_RECORDINGS_S3_BUCKET: 'casts',
        BORDER0_RECORDINGS_S3_ENDPOINT: 'http://minio:9000',
        BORDER0_RECORDINGS_S3_REGION: 'eu-west-1',
        BORDER0_RECORDINGS_S3_ACCESS_KEY_ID: 'id',
        BORDER0_RECORDINGS_S3_SECRET_ACCESS_KEY: 'secret',
        BORDER0_RECORDINGS_S3_PREFIX: 'recordings/',
      },
      '/var/lib/b0',
    );
    expect(config).toEqual({
      kind: 's3',
      bucket: 'casts',
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
      region: 'eu-west-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      prefix: 'recordings/',
    });
  });

  it('leaves AWS credentials to the SDK chain when no key pair is set, and refuses half a pair', () => {
    expect(recordingStorageConfigFromEnv({ BORDER0_RECORDINGS_S3_BUCKET: 'casts' }, '/d')).toEqual({
      kind: 's3',
      bucket: 'casts',
      region: 'us-east-1',
      prefix: '',
    });
    expect(() =>
      recordingStorageConfigFromEnv(
        { BORDER0_RECORDINGS_S3_BUCKET: 'casts', BORDER0_RECORDINGS_S3_ACCESS_KEY_ID: 'id' },
        '/d',
      ),
    ).toThrow(/must be set together/);
  });
});
