/**
 * Recordings in a local directory: one folder per key, one file per chunk. Only this process's user may read
 * them (folders 0700, files 0600): recordings hold whatever crossed the terminal, passwords included.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { assertChunkSeq, assertRecordingKey, chunkName, SEQ_DIGITS } from './recording-key.js';
import type { RecordingStorage } from './storage.js';

/*
 * `0000000042.chunk`: the suffix keeps a chunk file from ever colliding with the folder of a deeper key
 * (key segments cannot contain "."), and temporary files start with "." so a listing never mistakes them.
 */
const CHUNK_FILE = new RegExp(`^\\d{${SEQ_DIGITS}}\\.chunk$`);
const TEMP_FILE = /^\.\d+\.chunk\.[0-9a-f-]+\.tmp$/;

export class LocalDirectoryStorage implements RecordingStorage {
  constructor(readonly root: string) {}

  async putChunk(key: string, seq: number, bytes: Uint8Array): Promise<void> {
    const directory = this.#directory(key);
    assertChunkSeq(seq);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const name = `${chunkName(seq)}.chunk`;
    const temporary = join(directory, `.${name}.${randomUUID()}.tmp`);
    // Write aside, sync, then rename: a crash leaves either the old chunk or the new one, never half of one.
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } catch (error) {
      await file.close();
      await unlink(temporary).catch(() => {});
      throw error;
    }
    await file.close();
    try {
      await rename(temporary, join(directory, name));
    } catch (error) {
      await unlink(temporary).catch(() => {});
      throw error;
    }
  }

  async *read(key: string): AsyncIterable<Uint8Array> {
    const directory = this.#directory(key);
    for (const name of await this.#chunkFiles(directory)) {
      yield await readFile(join(directory, name));
    }
  }

  async readChunk(key: string, seq: number): Promise<Uint8Array | undefined> {
    const directory = this.#directory(key);
    assertChunkSeq(seq);
    return readFile(join(directory, `${chunkName(seq)}.chunk`)).catch(ignoreMissing);
  }

  async size(key: string): Promise<number> {
    const directory = this.#directory(key);
    let total = 0;
    for (const name of await this.#chunkFiles(directory)) total += (await stat(join(directory, name))).size;
    return total;
  }

  async remove(key: string): Promise<void> {
    const directory = this.#directory(key);
    const names = await readdir(directory).catch(ignoreMissing);
    if (names === undefined) return;
    for (const name of names) {
      if (CHUNK_FILE.test(name) || TEMP_FILE.test(name))
        await unlink(join(directory, name)).catch(ignoreMissing);
    }
    // The folder stays when a deeper key lives inside it; parents stay too, as a sibling may be being written.
    await rmdir(directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST' && error.code !== 'ENOENT') throw error;
    });
  }

  #directory(key: string): string {
    assertRecordingKey(key);
    return join(this.root, ...key.split('/'));
  }

  /** The chunk files of a folder in seq order (the padding makes lexical order numeric order). */
  async #chunkFiles(directory: string): Promise<string[]> {
    const names = await readdir(directory).catch(ignoreMissing);
    return (names ?? []).filter((name) => CHUNK_FILE.test(name)).sort();
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT') return undefined;
  throw error;
}
