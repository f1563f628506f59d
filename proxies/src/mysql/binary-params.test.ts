/** COM_STMT_EXECUTE parameters as the query log shows them. */
import { describe, expect, it } from 'vitest';
import { readExecuteParameters } from './binary-params.js';
import { lenencBytes } from './payload.js';

function executePacket(
  count: number,
  nulls: number[],
  types: [number, number][] | undefined,
  values: Buffer[],
): Buffer {
  const head = Buffer.alloc(10);
  head[0] = 0x17;
  head.writeUInt32LE(1, 1);
  head.writeUInt32LE(1, 6);
  const bitmap = Buffer.alloc((count + 7) >> 3);
  for (const i of nulls) bitmap[i >> 3]! |= 1 << (i & 7);
  const bound = types ? Buffer.concat([Buffer.from([1]), Buffer.from(types.flat())]) : Buffer.from([0]);
  return Buffer.concat([head, bitmap, bound, ...values]);
}

const int64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(n);
  return b;
};
const double = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return b;
};

describe('readExecuteParameters', () => {
  it('reads integers, strings, NULL, floats, dates and times', () => {
    const types: [number, number][] = [
      [0x08, 0],
      [0xfd, 0],
      [0xfd, 0],
      [0x05, 0],
      [0x0c, 0],
      [0x01, 0x80],
      [0x0b, 0],
    ];
    const datetime = Buffer.from([11, 0xe8, 0x07, 1, 2, 3, 4, 5, 6, 0, 0, 0]);
    const time = Buffer.from([8, 1, 1, 0, 0, 0, 2, 3, 4]);
    const payload = executePacket(types.length, [2], types, [
      int64(-5n),
      lenencBytes(Buffer.from('plum')),
      double(1.5),
      datetime,
      Buffer.from([250]),
      time,
    ]);
    const read = readExecuteParameters(payload, types.length);
    expect(read.values).toEqual([
      '-5',
      'plum',
      null,
      '1.5',
      '2024-01-02 03:04:05.000006',
      '250',
      '-26:03:04',
    ]);
    // Later executions may leave the types out: they are the ones given before.
    const again = executePacket(types.length, [], undefined, [
      int64(7n),
      lenencBytes(Buffer.from('fig')),
      lenencBytes(Buffer.from('x')),
      double(2),
      Buffer.from([0]),
      Buffer.from([1]),
      Buffer.from([0]),
    ]);
    expect(readExecuteParameters(again, types.length, read.types).values).toEqual([
      '7',
      'fig',
      'x',
      '2',
      '0000-00-00',
      '1',
      '00:00:00',
    ]);
  });

  it('bounds long values', () => {
    const payload = executePacket(1, [], [[0xfc, 0]], [lenencBytes(Buffer.alloc(5000, 0x61))]);
    const [value] = readExecuteParameters(payload, 1).values;
    expect(value).toHaveLength(1025);
  });
});
