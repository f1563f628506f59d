/**
 * COM_QUERY decisions with a policy that allows writing on `shop` and only reading on `ro`: each statement of a
 * multi-statement query is decided on the database it will run in (a USE part-way moves the later ones), a
 * database a statement names is decided too, and a refused statement refuses the whole query.
 */
import type { AccessAction, Decision } from '@border0/sdk/policy';
import { describe, expect, it } from 'vitest';
import type { AdmittedClient } from '../session/client-admission.js';
import { StatementGate } from '../session/statement-gate.js';
import { classifyStatement } from './classify.js';
import { ClientCommands, type CommandContext } from './commands.js';
import { packet } from './packets.js';
import { ResponseTracker } from './response-tracker.js';

const GRANTS: Record<string, string[]> = { shop: ['read_only', 'read_write'], ro: ['read_only'] };

function decide(action: AccessAction): Promise<Decision> {
  const { database, query_type } = action as { database?: string; query_type?: string };
  const types = database === undefined ? [] : GRANTS[database];
  const allowed =
    database === undefined || (types !== undefined && (!query_type || types.includes(query_type)));
  return Promise.resolve({
    allowed,
    reason: allowed ? '' : `${query_type ?? 'access'} on ${database} is not allowed`,
  } as Decision);
}

function session() {
  const admitted = { decide } as unknown as AdmittedClient;
  const gate = new StatementGate(admitted, 'shop', classifyStatement, { crossDatabase: true });
  const tracker = new ResponseTracker(0, 2);
  const switches: string[] = [];
  const ctx: CommandContext = {
    gate,
    tracker,
    log: undefined,
    socketId: 's',
    identity: 'ana',
    readOnlyGuard: false,
    backslashUnsafe: false,
    decideDatabase: (database) => decide({ type: 'database', database }),
    onRefusal: () => {},
    onSwitch: (database) => {
      switches.push(database);
      gate.switchTo(database);
    },
    onBreach: () => {},
  };
  const commands = new ClientCommands(ctx);
  const query = (sql: string) =>
    commands.handle({ seq: 0, payload: Buffer.from(`\x03${sql}`, 'latin1'), raw: Buffer.alloc(0) });
  return { commands, query, gate, tracker, switches };
}

/** The ERR code of a refused query answered at once, or 'forwarded'. */
async function verdict(outcome: Promise<{ forward?: Buffer; reply?: Buffer }>) {
  const result = await outcome;
  if (result.reply) return result.reply.readUInt16LE(5);
  return result.forward ? 'forwarded' : 'refusal queued behind an answer';
}

describe('COM_QUERY decisions', () => {
  it('decides each statement on the database it will run in', async () => {
    const { query } = session();
    expect(await verdict(query('DELETE FROM t; USE ro'))).toBe('forwarded');
    const { query: again, gate } = session();
    expect(await verdict(again('USE ro; DELETE FROM t'))).toBe(1142);
    expect(gate.database).toBe('shop');
    expect(await verdict(again('USE ro; SELECT * FROM t'))).toBe('forwarded');
  });

  it('decides the other databases a statement names', async () => {
    expect(await verdict(session().query('SELECT * FROM ro.t'))).toBe('forwarded');
    expect(await verdict(session().query('DELETE FROM ro.t'))).toBe(1142);
    expect(await verdict(session().query('SELECT * FROM secret.t'))).toBe(1142);
    expect(await verdict(session().query('USE secret'))).toBe(1044);
  });

  it('switches the session’s database when the server says the USE ran', async () => {
    const { query, tracker, switches, gate } = session();
    await query('USE ro');
    expect(gate.database).toBe('shop');
    tracker.scan(packet(1, Buffer.from([0, 0, 0, 2, 0, 0, 0])));
    expect(switches).toEqual(['ro']);
    expect(await verdict(query('DELETE FROM t'))).toBe(1142);
  });

  it('refuses LOAD DATA LOCAL with 1148 where writing is not allowed', async () => {
    const { query } = session();
    expect(await verdict(query("USE ro; LOAD DATA LOCAL INFILE '/tmp/x' INTO TABLE t"))).toBe(1148);
  });

  it('answers COM_CHANGE_USER with 1227', async () => {
    const { commands } = session();
    const outcome = await commands.handle({ seq: 0, payload: Buffer.from([0x11]), raw: Buffer.alloc(0) });
    expect(outcome.reply?.readUInt16LE(5)).toBe(1227);
    expect(outcome.forward).toBeUndefined();
  });
});
