/**
 * Recordings in an S3-compatible object store (AWS S3, MinIO, Ceph, R2…): one object per chunk, named
 * `<prefix><key>/<padded seq>`, so a listing of the key's prefix is its chunks in seq order.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { assertChunkSeq, assertRecordingKey, chunkName, isChunkName } from './recording-key.js';
import type { RecordingStorage } from './storage.js';

export interface S3RecordingStorageOptions {
  /** A custom endpoint for S3-compatible stores, e.g. `http://127.0.0.1:9000`; AWS when absent. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Static credentials; without them the AWS SDK's default chain applies (environment, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; most self-hosted stores need it. */
  forcePathStyle?: boolean;
  /** Prepended to every key, e.g. `recordings/`; a missing trailing "/" is added. */
  prefix?: string;
}

/** DeleteObjects takes at most 1000 keys a request. */
const DELETE_BATCH = 1000;
/** Chunks fetched ahead while the reader consumes earlier ones: a long session has tens of thousands. */
const READ_AHEAD = 8;

export class S3RecordingStorage implements RecordingStorage {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3RecordingStorageOptions) {
    this.#bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.#prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.#client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // Checksums only where S3 demands them: many S3-compatible stores reject the SDK's newer default
      // (a CRC32 on every request), and chunk integrity is the API's concern.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async putChunk(key: string, seq: number, bytes: Uint8Array): Promise<void> {
    const prefix = this.#keyPrefix(key);
    assertChunkSeq(seq);
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: `${prefix}${chunkName(seq)}`,
        Body: bytes,
        ContentType: 'application/octet-stream',
      }),
    );
  }

  async *read(key: string): AsyncIterable<Uint8Array> {
    const objects = await this.#list(this.#keyPrefix(key));
    const pending: Promise<Uint8Array>[] = [];
    let next = 0;
    const fetchMore = () => {
      while (next < objects.length && pending.length < READ_AHEAD) {
        const fetch = this.#get(objects[next++]!.key);
        // Awaited in turn below; the no-op handler keeps a failure from being "unhandled" while the reader
        // is busy with an earlier chunk, or has stopped early.
        fetch.catch(() => {});
        pending.push(fetch);
      }
    };
    fetchMore();
    while (pending.length > 0) {
      const bytes = await pending.shift()!;
      fetchMore();
      yield bytes;
    }
  }

  async readChunk(key: string, seq: number): Promise<Uint8Array | undefined> {
    const prefix = this.#keyPrefix(key);
    assertChunkSeq(seq);
    try {
      return await this.#get(`${prefix}${chunkName(seq)}`);
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async size(key: string): Promise<number> {
    const objects = await this.#list(this.#keyPrefix(key));
    return objects.reduce((total, object) => total + object.size, 0);
  }

  async remove(key: string): Promise<void> {
    const objects = await this.#list(this.#keyPrefix(key));
    for (let start = 0; start < objects.length; start += DELETE_BATCH) {
      const batch = objects.slice(start, start + DELETE_BATCH);
      const result = await this.#client.send(
        new DeleteObjectsCommand({
          Bucket: this.#bucket,
          Delete: { Objects: batch.map((object) => ({ Key: object.key })), Quiet: true },
        }),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw new Error(
          `could not delete ${failed.length} chunk(s) of recording ${key}: ${first.Key}: ${first.Code} ${first.Message}`,
        );
      }
    }
  }

  #keyPrefix(key: string): string {
    assertRecordingKey(key);
    return `${this.#prefix}${key}/`;
  }

  /**
   * Every chunk object directly under `prefix`, sorted by name (= seq). The "/" delimiter leaves out deeper keys
   * that share the prefix (`a/b/` must not list `a/b/c/0000000000`).
   */
  async #list(prefix: string): Promise<{ key: string; size: number }[]> {
    const objects: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix,
          Delimiter: '/',
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key && isChunkName(object.Key.slice(prefix.length))) {
          objects.push({ key: object.Key, size: object.Size ?? 0 });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // S3 lists in key order already; sorting keeps the promise for stores that don't (directory buckets).
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async #get(objectKey: string): Promise<Uint8Array> {
    const object = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
    if (!object.Body) throw new Error(`chunk ${objectKey} has no body`);
    return object.Body.transformToByteArray();
  }

  /** Releases the HTTP connections. */
  destroy(): void {
    this.#client.destroy();
  }
}
