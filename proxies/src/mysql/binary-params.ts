/**
 * The parameters of a COM_STMT_EXECUTE, as text for the query log
 * (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_execute.html): integers, floats,
 * strings and decimals, dates and times; NULL as null. The types come with the first execution of a statement
 * (`new_params_bound_flag`), so they are remembered per statement by the caller.
 */
import { Cursor } from './payload.js';

const MAX_LOGGED_BYTES = 1024;

export interface ExecuteParameters {
  values: (string | null)[];
  /** The parameter types (type, flags) when the packet carried them. */
  types?: Buffer | undefined;
}

/** Reads the parameters of an execute packet (after its command byte); throws ProtocolError when malformed. */
export function readExecuteParameters(
  payload: Buffer,
  count: number,
  knownTypes?: Buffer,
): ExecuteParameters {
  const c = new Cursor(payload);
  c.bytes(1 + 4 + 1 + 4); // command, statement id, flags, iteration count
  if (count === 0) return { values: [] };
  const nulls = c.bytes((count + 7) >> 3);
  const bound = c.u8() === 1;
  const types = bound ? c.bytes(count * 2) : knownTypes;
  const values: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    if (nulls[i >> 3]! & (1 << (i & 7))) {
      values.push(null);
      continue;
    }
    if (!types) return { values: [], types };
    values.push(readValue(c, types[i * 2]!, (types[i * 2 + 1]! & 0x80) !== 0));
  }
  return { values, types };
}

function readValue(c: Cursor, type: number, unsigned: boolean): string {
  switch (type) {
    case 0x01:
      return String(unsigned ? c.u8() : c.bytes(1).readInt8(0));
    case 0x02:
    case 0x0d:
      return String(unsigned ? c.u16() : c.bytes(2).readInt16LE(0));
    case 0x03:
    case 0x09:
      return String(unsigned ? c.u32() : c.bytes(4).readInt32LE(0));
    case 0x08: {
      const bytes = c.bytes(8);
      return String(unsigned ? bytes.readBigUInt64LE(0) : bytes.readBigInt64LE(0));
    }
    case 0x04:
      return String(c.bytes(4).readFloatLE(0));
    case 0x05:
      return String(c.bytes(8).readDoubleLE(0));
    case 0x06:
      return 'NULL';
    case 0x07:
    case 0x0a:
    case 0x0c:
      return readDate(c);
    case 0x0b:
      return readTime(c);
    default: {
      const bytes = c.lenencBytes();
      const text = bytes.subarray(0, MAX_LOGGED_BYTES).toString('utf8');
      return bytes.length > MAX_LOGGED_BYTES ? `${text}…` : text;
    }
  }
}

const two = (n: number) => String(n).padStart(2, '0');

function readDate(c: Cursor): string {
  const length = c.u8();
  const d = new Cursor(c.bytes(length));
  if (length === 0) return '0000-00-00';
  const date = `${String(d.u16()).padStart(4, '0')}-${two(d.u8())}-${two(d.u8())}`;
  if (length < 7) return date;
  const time = `${two(d.u8())}:${two(d.u8())}:${two(d.u8())}`;
  return length < 11 ? `${date} ${time}` : `${date} ${time}.${String(d.u32()).padStart(6, '0')}`;
}

function readTime(c: Cursor): string {
  const length = c.u8();
  const t = new Cursor(c.bytes(length));
  if (length === 0) return '00:00:00';
  const sign = t.u8() ? '-' : '';
  const hours = t.u32() * 24 + t.u8();
  const time = `${sign}${two(hours)}:${two(t.u8())}:${two(t.u8())}`;
  return length < 12 ? time : `${time}.${String(t.u32()).padStart(6, '0')}`;
}
