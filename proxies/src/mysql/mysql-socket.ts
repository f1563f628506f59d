/**
 * A MySQL/MariaDB socket: the proxy reads the upstream's greeting first (its version and thread id go to the
 * client, so that `KILL QUERY <id>` names the real thread), greets the client with the capabilities both sides
 * and the relay share, accepts its login with any or no password (the client is known by its certificate),
 * decides the database it asks for, logs in upstream with the socket's credentials, then relays, deciding each
 * command (commands.ts) and logging it (query-log). A session is
 *
 *   upstream greeting → client login → upstream login → relaying → closing
 *
 * and ends when either side leaves, on terminate or revocation (a running statement is killed upstream
 * first), or at the policy's maximum duration. When only reading is allowed, the upstream session also runs
 * in read-only transaction mode, which stops writes no classifier can see (stored functions).
 */
import { statusLine } from '@border0/protocol';
import { type QueryLog, startQueryLog } from '../recording/query-log.js';
import type { AdmittedClient, ConnectionContext } from '../session/client-admission.js';
import { resolveDatabaseCredentials } from '../session/database-credentials.js';
import { runDatabaseSession } from '../session/database-lifetime.js';
import { UnresolvedSecretError } from '../session/secret-reference.js';
import { SessionReport } from '../session/session-report.js';
import { StatementGate } from '../session/statement-gate.js';
import { BACKSLASH_UNSAFE_CHARSETS, REQUIRED } from './capabilities.js';
import { classifyStatement } from './classify.js';
import { greetClient, reportDenied } from './client-login.js';
import { ClientCommands } from './commands.js';
import { MysqlRelay } from './mysql-relay.js';
import { errPacket, packet } from './packets.js';
import { Cursor } from './payload.js';
import { ResponseTracker } from './response-tracker.js';
import { threadOwners } from './thread-owners.js';
import { killQuery, runUpstreamStatement } from './upstream-commands.js';
import {
  loginUpstream,
  type MysqlCredentials,
  readUpstreamGreeting,
  type UpstreamGreeting,
  UpstreamLoginError,
} from './upstream-login.js';

export async function carryMysqlSession(ctx: ConnectionContext, admitted: AdmittedClient): Promise<void> {
  const { tls, lookup, identity } = admitted;
  // A border0 client waits for the verdict line; what follows is MySQL, refusals included.
  if (admitted.banner) tls.write(statusLine(true, 'mysql'));
  const channel = () => ctx.tunnels.openChannel(lookup.socket.dnsname, admitted.origin);
  let greeted: UpstreamGreeting;
  try {
    greeted = await readUpstreamGreeting(await channel());
    if ((greeted.greeting.capabilities & REQUIRED) !== REQUIRED)
      throw new UpstreamLoginError('the upstream speaks a protocol older than 4.1');
  } catch (error) {
    const reason = `the upstream could not be reached: ${(error as Error).message}`;
    tls.end(errPacket(0, 2013, 'HY000', `border0: ${reason}`));
    const { id, log } = await admitted.openSession();
    await new SessionReport(ctx.client, id, log).end({ result: 'failed', reason });
    return;
  }
  const upstreamGreeting = greeted.greeting;
  const client = await greetClient(tls, upstreamGreeting).catch((error: unknown) => {
    admitted.log.debug({ err: error }, 'mysql client login failed');
    tls.destroy();
    greeted.channel.destroy();
    return undefined;
  });
  if (!client) return;
  const { response, capabilities, okSeq, clientRest } = client;
  const database = response.database || undefined;
  const decision = await admitted.decide({ type: 'database', ...(database !== undefined && { database }) });
  if (!decision.allowed) {
    greeted.channel.destroy();
    const reason = decision.reason;
    tls.end(
      errPacket(
        okSeq,
        1044,
        '42000',
        `border0: Access denied for ${identity.label} to database '${database ?? ''}': ${reason}`,
      ),
    );
    await reportDenied(ctx, admitted, reason);
    return;
  }

  const { id: sessionId, log } = await admitted.openSession();
  const report = new SessionReport(ctx.client, sessionId, log);
  const gate = new StatementGate(admitted, database ?? '', classifyStatement, { crossDatabase: true });
  let credentials: MysqlCredentials;
  let session: Awaited<ReturnType<typeof loginUpstream>>;
  let readOnlyGuard = false;
  try {
    const fetched = await resolveDatabaseCredentials(
      ctx.tunnels,
      lookup.socket.dnsname,
      await ctx.client.post('/api/v1/proxy/sessions/{session_id}/database-upstream', {
        params: { path: { session_id: sessionId } },
      }),
    );
    credentials = {
      hostname: fetched.hostname,
      // A socket without a user logs in as the name the client gave (no_auth upstreams).
      username: fetched.username ?? response.user,
      password: fetched.password,
      tls: fetched.tls,
    };
    const types = await gate.allowedTypes();
    readOnlyGuard = types.has('read_only') && !types.has('read_write');
    session = await loginUpstream(greeted, credentials, {
      capabilities,
      charset: response.charset,
      database,
      attributes: new Map([...response.attributes, ['_border0_identity', identity.label]]),
    });
    if (readOnlyGuard)
      session.rest = await runUpstreamStatement(
        session.socket,
        session.rest,
        'SET SESSION TRANSACTION READ ONLY',
      );
  } catch (error) {
    const failure =
      error instanceof UpstreamLoginError
        ? error
        : error instanceof UnresolvedSecretError
          ? new UpstreamLoginError(error.message)
          : new UpstreamLoginError(`the upstream could not be reached: ${(error as Error).message}`);
    tls.end(errPacket(okSeq, failure.code, failure.sqlState, `border0: ${failure.message}`));
    greeted.channel.destroy();
    await report.end({ result: 'failed', reason: failure.message });
    return;
  }
  report.event('db.login', { database: database ?? '', upstream_user: credentials.username });
  let queryLog: QueryLog | undefined;
  if (lookup.socket.recording_enabled) {
    queryLog = await startQueryLog(
      ctx.client,
      {
        protocol: 'mysql',
        session_id: sessionId,
        socket: lookup.socket.name,
        identity: identity.label,
        upstream_user: credentials.username,
        database: database ?? '',
      },
      log,
    ).catch((error: unknown) => {
      log.warn({ err: error }, 'query log could not start');
      return undefined;
    });
  }
  tls.write(packet(okSeq, session.ok));
  const forgetThread = threadOwners.add(lookup.socket.id, upstreamGreeting.threadId, identity.label);
  // The login's OK carries the session's status (NO_BACKSLASH_ESCAPES from the server's sql_mode included).
  const tracker = new ResponseTracker(capabilities, okStatus(session.ok) ?? upstreamGreeting.status);
  let relay: MysqlRelay | undefined;
  const commands = new ClientCommands({
    gate,
    tracker,
    log: queryLog,
    socketId: lookup.socket.id,
    identity: identity.label,
    readOnlyGuard,
    backslashUnsafe: BACKSLASH_UNSAFE_CHARSETS.has(response.charset),
    decideDatabase: (name) => admitted.decide({ type: 'database', database: name }),
    onRefusal: (statement, refusal) =>
      report.event('db.denied', {
        database: gate.database,
        statement: statement.slice(0, 1000),
        ...(refusal.type && { query_type: refusal.type }),
        reason: refusal.reason,
      }),
    onSwitch: (name) => {
      if (name === gate.database) return;
      gate.switchTo(name);
      report.event('db.database_switch', { database: name });
    },
    onBreach: (reason) => relay?.end(reason),
  });
  relay = new MysqlRelay({
    client: tls,
    server: session.socket,
    clientRest,
    serverRest: session.rest,
    commands,
    tracker,
    report,
    log,
    kill: () => killQuery(channel(), credentials, upstreamGreeting.threadId),
  });
  const running = relay;
  log.info(
    { identity: identity.label, database, thread: upstreamGreeting.threadId },
    'mysql session started',
  );
  try {
    await runDatabaseSession(ctx, admitted, {
      id: sessionId,
      relay: running,
      database: () => gate.database || undefined,
      report,
      queryLog,
    });
  } finally {
    forgetThread();
  }
  log.info({ bytesIn: report.bytesIn, bytesOut: report.bytesOut }, 'mysql session ended');
}

/** The status flags of an OK packet, if it is whole. */
function okStatus(ok: Buffer): number | undefined {
  try {
    const c = new Cursor(ok);
    c.u8();
    c.lenencInt();
    c.lenencInt();
    return c.u16();
  } catch {
    return undefined;
  }
}
