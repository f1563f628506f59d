/**
 * Where session recordings live. A recording arrives as numbered chunks (the proxy flushes at least every
 * second and retries on timeouts) and leaves as one stream, so the storage contract is: put a chunk by
 * (key, seq), idempotently; read all chunks of a key back in seq order; remove a key.
 */
import { LocalDirectoryStorage } from './local-storage.js';
import { S3RecordingStorage, type S3RecordingStorageOptions } from './s3-storage.js';

export interface RecordingStorage {
  /**
   * Stores chunk `seq` of recording `key`. Putting the same (key, seq) again replaces the chunk, so a retried
   * chunk never duplicates data (the last write wins).
   */
  putChunk(key: string, seq: number, bytes: Uint8Array): Promise<void>;
  /**
   * All chunks of `key` concatenated in seq order. A key with no chunks (unknown, not yet written or removed)
   * reads as empty rather than failing: whether a recording exists is the database's answer, not the store's.
   */
  read(key: string): AsyncIterable<Uint8Array>;
  /**
   * Chunk `seq` of `key` alone, or undefined when it is not stored: for readers that follow a live recording
   * chunk by chunk, in the order the database acknowledged them.
   */
  readChunk(key: string, seq: number): Promise<Uint8Array | undefined>;
  /** Total bytes stored for `key`; 0 when it has no chunks. */
  size(key: string): Promise<number>;
  /** Deletes every chunk of `key`; removing a key with no chunks is not an error. */
  remove(key: string): Promise<void>;
}

export type RecordingStorageConfig =
  | { kind: 'local'; directory: string }
  | ({ kind: 's3' } & S3RecordingStorageOptions);

/**
 * The backend a configuration names.
 *
 * @example
 * const storage = createRecordingStorage({ kind: 'local', directory: '/var/lib/border0/recordings' });
 */
export function createRecordingStorage(config: RecordingStorageConfig): RecordingStorage {
  switch (config.kind) {
    case 'local':
      return new LocalDirectoryStorage(config.directory);
    case 's3': {
      const { kind: _, ...options } = config;
      return new S3RecordingStorage(options);
    }
  }
}

/**
 * Reads the storage configuration from `BORDER0_RECORDINGS_*`: an S3-compatible bucket when
 * `BORDER0_RECORDINGS_S3_BUCKET` is set, else a local directory (`BORDER0_RECORDINGS_DIR`, or `defaultDirectory`).
 * Without an access key pair, S3 credentials come from the AWS SDK's default chain (instance roles, profiles).
 * A custom endpoint (MinIO, Ceph, R2…) implies path-style addressing.
 */
export function recordingStorageConfigFromEnv(
  env: Record<string, string | undefined>,
  defaultDirectory: string,
): RecordingStorageConfig {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  const bucket = value('BORDER0_RECORDINGS_S3_BUCKET');
  if (!bucket) return { kind: 'local', directory: value('BORDER0_RECORDINGS_DIR') ?? defaultDirectory };
  const endpoint = value('BORDER0_RECORDINGS_S3_ENDPOINT');
  const accessKeyId = value('BORDER0_RECORDINGS_S3_ACCESS_KEY_ID');
  const secretAccessKey = value('BORDER0_RECORDINGS_S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new Error(
      'BORDER0_RECORDINGS_S3_ACCESS_KEY_ID and BORDER0_RECORDINGS_S3_SECRET_ACCESS_KEY must be set together',
    );
  }
  return {
    kind: 's3',
    bucket,
    region: value('BORDER0_RECORDINGS_S3_REGION') ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : {}),
    prefix: value('BORDER0_RECORDINGS_S3_PREFIX') ?? '',
  };
}
