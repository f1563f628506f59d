/** Time-ordered identifiers (UUID version 7, RFC 9562): sorting by id sorts by creation, which cursors rely on. */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

export function newId(): string {
  let ms = Date.now();
  // Within one millisecond, a counter in the random bits keeps ids strictly increasing.
  if (ms <= lastMs) {
    ms = lastMs;
    sequence++;
  } else {
    lastMs = ms;
    sequence = randomBytes(2).readUInt16BE() & 0x3ff;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | ((sequence >> 8) & 0x0f);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isId(value: string): boolean {
  return UUID.test(value);
}
