/**
 * The SSH wire encoding of RFC 4251 §5 (`uint32`, `uint64`, `string`), as used by public key
 * blobs and OpenSSH certificates: a writer that builds one buffer, a reader that refuses to read past it.
 */

export class SshWriter {
  readonly #parts: Buffer[] = [];

  uint32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    this.#parts.push(b);
    return this;
  }

  uint64(value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(value);
    this.#parts.push(b);
    return this;
  }

  /** A length-prefixed byte string; text is written as UTF-8. */
  string(value: Buffer | string): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.uint32(bytes.length);
    this.#parts.push(bytes);
    return this;
  }

  /** Bytes as they are, without a length: for splicing an already encoded run of fields. */
  raw(bytes: Buffer): this {
    this.#parts.push(bytes);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

export class SshReader {
  #offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get offset(): number {
    return this.#offset;
  }

  get done(): boolean {
    return this.#offset === this.buffer.length;
  }

  uint32(): number {
    return this.#take(4).readUInt32BE();
  }

  uint64(): bigint {
    return this.#take(8).readBigUInt64BE();
  }

  string(): Buffer {
    return this.#take(this.uint32());
  }

  text(): string {
    return this.string().toString('utf8');
  }

  /** The bytes from `start` to the current position. */
  slice(start: number): Buffer {
    return this.buffer.subarray(start, this.#offset);
  }

  #take(length: number): Buffer {
    if (this.#offset + length > this.buffer.length) throw new RangeError('truncated SSH data');
    const bytes = this.buffer.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return bytes;
  }
}

/** A list of strings packed into one `string`, as certificate principals are. */
export function packStrings(values: readonly string[]): Buffer {
  const writer = new SshWriter();
  for (const value of values) writer.string(value);
  return writer.toBuffer();
}

export function unpackStrings(packed: Buffer): string[] {
  const reader = new SshReader(packed);
  const values: string[] = [];
  while (!reader.done) values.push(reader.text());
  return values;
}
