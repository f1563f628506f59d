/** PacketReader: logical packets come out whole and in order however the bytes are cut; garbage is only ever a ProtocolError. */

import { cutBytes } from '@border0/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD, PacketReader, ProtocolError, packet } from './packets.js';
import { Cursor } from './payload.js';

const packets = fc.array(
  fc.record({ seq: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 300 }) }),
  { maxLength: 20 },
);

describe('PacketReader (basic packets)', () => {
  it('reads packets whole and in order, however the stream is cut (property)', () => {
    fc.assert(
      fc.property(packets, fc.array(fc.nat(), { maxLength: 30 }), (sent, points) => {
        const stream = Buffer.concat(sent.map((p) => packet(p.seq, Buffer.from(p.payload))));
        const reader = new PacketReader();
        const read = cutBytes(stream, points).flatMap((piece) => reader.push(piece));
        expect(read.map((p) => ({ seq: p.seq, payload: new Uint8Array(p.payload) }))).toEqual(
          sent.map((p) => ({ seq: p.seq, payload: new Uint8Array(p.payload) })),
        );
        expect(Buffer.concat(read.map((p) => p.raw))).toEqual(stream);
        expect(reader.partial).toBe(false);
      }),
    );
  });

  it('throws nothing but ProtocolError on any bytes, and never holds more than its bound (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const reader = new PacketReader(1000);
        try {
          for (const chunk of chunks) reader.push(Buffer.from(chunk));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
    );
  });

  it('refuses a declared length over the bound from the header alone', () => {
    const reader = new PacketReader(1000);
    expect(() => reader.push(Buffer.from([0xe9, 0x03, 0, 0]))).toThrow(ProtocolError);
  });

  it('joins a payload of 16 MiB - 1 with its continuation', () => {
    const big = Buffer.alloc(MAX_PAYLOAD, 7);
    const stream = Buffer.concat([packet(0, big), packet(1, Buffer.from('tail'))]);
    const reader = new PacketReader();
    const read = cutBytes(stream, [3, MAX_PAYLOAD, MAX_PAYLOAD + 5]).flatMap((piece) => reader.push(piece));
    expect(read).toHaveLength(1);
    expect(read[0]!.payload.length).toBe(MAX_PAYLOAD + 4);
    expect(read[0]!.raw.equals(stream)).toBe(true);
  });
});

describe('Cursor', () => {
  it('reads length-encoded integers of every width and refuses to read past the end', () => {
    const c = new Cursor(
      Buffer.from([0xfa, 0xfc, 0x34, 0x12, 0xfd, 1, 2, 3, 0xfe, 1, 0, 0, 0, 0, 0, 0, 0, 0xfc]),
    );
    expect([c.lenencInt(), c.lenencInt(), c.lenencInt(), c.lenencInt()]).toEqual([0xfa, 0x1234, 0x030201, 1]);
    expect(() => c.lenencInt()).toThrow(ProtocolError);
    expect(() => new Cursor(Buffer.from([0xff])).lenencInt()).toThrow(ProtocolError);
  });
});
