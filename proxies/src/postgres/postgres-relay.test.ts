/** PostgresRelay: a client that stops in the middle of a message is cut off, saying why; the upstream is left. */
import { duplexPair } from '@border0/protocol';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { AdmittedClient } from '../session/client-admission.js';
import type { SessionReport } from '../session/session-report.js';
import { FrontendReader } from './frontend-reader.js';
import { message, readErrorFields } from './messages.js';
import { PostgresRelay } from './postgres-relay.js';

describe('PostgresRelay', () => {
  it('cuts off a client that stalls in the middle of a message, with a FATAL saying why', async () => {
    const [client, proxySide] = duplexPair();
    const [upstream, server] = duplexPair();
    const toServer: Buffer[] = [];
    server.on('data', (chunk: Buffer) => toServer.push(chunk));
    const reader = new FrontendReader();
    reader.startupDone();
    const relay = new PostgresRelay({
      tls: proxySide as never,
      upstream: { socket: upstream, rest: Buffer.alloc(0), encrypted: false },
      reader,
      admitted: {
        decide: async () => ({ allowed: true }),
        identity: { label: 'ana@example.com' },
      } as unknown as AdmittedClient,
      database: 'shop',
      queryLog: undefined,
      report: { bytesIn: 0, bytesOut: 0, event: vi.fn() } as unknown as SessionReport,
      log: pino({ level: 'silent' }),
      stalledMessageMs: 200,
      cancel: async () => {},
    });
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = relay.run();
    // A whole Query, then the first bytes of another.
    const query = message('Q', Buffer.from('select 1\0'));
    client.write(query);
    client.write(message('Q', Buffer.from('select 2\0')).subarray(0, 7));
    const started = Date.now();
    const { reason } = await ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(reason).toBe('the client stalled in the middle of a message');
    expect(Buffer.concat(toServer).subarray(0, query.length)).toEqual(query);
    const answer = Buffer.concat(received);
    expect(answer[0]).toBe(0x45); // ErrorResponse
    expect(readErrorFields(answer.subarray(5))).toMatchObject({
      S: 'FATAL',
      C: '57P01',
      M: expect.stringMatching(/stalled/),
    });
  });
});
