/**
 * A PostgreSQL socket: the proxy speaks the protocol to the client (who is known by its certificate and
 * needs no database password), decides the database it asks for, logs in to the upstream with the socket's
 * credentials through the connector's tunnel, then relays, deciding each statement (client-messages.ts) and
 * logging it (query-log). A session is
 *
 *   startup → upstream login → relaying → closing
 *
 * and ends when either side leaves, on terminate or revocation (a running statement is cancelled upstream
 * first), or at the policy's maximum duration.
 */
import { statusLine } from '@border0/protocol';
import { type QueryLog, startQueryLog } from '../recording/query-log.js';
import { type AdmittedClient, type ConnectionContext, sessionBody } from '../session/client-admission.js';
import {
  type ResolvedDatabaseCredentials,
  resolveDatabaseCredentials,
} from '../session/database-credentials.js';
import { runDatabaseSession } from '../session/database-lifetime.js';
import { UnresolvedSecretError } from '../session/secret-reference.js';
import { SessionReport } from '../session/session-report.js';
import { TunnelError } from '../tunnel/tunnel-error.js';
import { cancelRequests } from './cancel-requests.js';
import { loadClassifier } from './classify.js';
import { FrontendReader } from './frontend-reader.js';
import { authenticationOk, fatal } from './messages.js';
import { PostgresRelay } from './postgres-relay.js';
import { readStartup, type Startup } from './startup.js';
import { loginUpstream, sendCancel, UpstreamLoginError, type UpstreamSession } from './upstream-login.js';

export async function carryPostgresSession(ctx: ConnectionContext, admitted: AdmittedClient): Promise<void> {
  const { tls, lookup, identity } = admitted;
  // A border0 client waits for the verdict line; what follows is PostgreSQL, refusals included.
  if (admitted.banner) tls.write(statusLine(true, 'postgres'));
  const reader = new FrontendReader();
  let startup: Startup;
  try {
    startup = await readStartup(tls, reader);
  } catch (error) {
    admitted.log.debug({ err: error }, 'postgres startup failed');
    tls.destroy();
    return;
  }
  if (startup.kind === 'cancel') {
    await cancelRequests.cancel(startup.processId, startup.secretKey, identity.label).catch(() => false);
    tls.destroy();
    return;
  }
  const { parameters } = startup;
  const database = parameters.get('database') || parameters.get('user') || '';
  const refuse = async (reason: string) => {
    tls.end(fatal('42501', `border0: ${reason}`));
    await ctx.client
      .post('/api/v1/proxy/sessions', {
        body: sessionBody(
          {
            socketId: lookup.socket.id,
            identity,
            ip: admitted.origin.address,
            port: admitted.origin.port,
            country: null,
            reason,
          },
          'denied',
        ),
      })
      .catch((error: unknown) => admitted.log.warn({ err: error }, 'session report failed'));
  };
  const replication = parameters.get('replication');
  if (replication !== undefined && !['off', 'false', '0', 'no'].includes(replication.toLowerCase())) {
    return refuse('replication connections are not allowed');
  }
  const decision = await admitted.decide({ type: 'database', database });
  if (!decision.allowed) return refuse(decision.reason);

  const { id: sessionId, log } = await admitted.openSession();
  const report = new SessionReport(ctx.client, sessionId, log);
  let login: ReturnType<typeof upstreamLogin>;
  let upstream: UpstreamSession;
  const channel = ctx.tunnels.openChannel(lookup.socket.dnsname, admitted.origin);
  channel.catch(() => {});
  try {
    const credentials = await ctx.client.post('/api/v1/proxy/sessions/{session_id}/database-upstream', {
      params: { path: { session_id: sessionId } },
    });
    login = upstreamLogin(
      await resolveDatabaseCredentials(ctx.tunnels, lookup.socket.dnsname, credentials),
      parameters,
    );
    const relay = PostgresRelay.upstreamParameters(parameters, database);
    const restricted = await PostgresRelay.restriction(admitted, database);
    if (restricted.readOnly) relay.set('default_transaction_read_only', 'on');
    if (restricted.any) {
      if (parameters.has('options'))
        throw new StartupRefusal('startup options cannot be given while query types are restricted');
      relay.set('standard_conforming_strings', 'on');
    }
    await loadClassifier();
    upstream = await loginUpstream(await channel, login, relay);
  } catch (error) {
    // Opened in parallel with the login's preparation: never left open when that fails.
    channel.then((opened) => opened.destroy()).catch(() => {});
    const reason =
      error instanceof TunnelError ||
      error instanceof StartupRefusal ||
      error instanceof UpstreamLoginError ||
      error instanceof UnresolvedSecretError
        ? error.message
        : `the upstream could not be reached: ${(error as Error).message}`;
    const code = error instanceof StartupRefusal ? '42501' : ((error as { code?: string }).code ?? '08006');
    tls.end(fatal(/^[0-9A-Z]{5}$/.test(code) ? code : '08006', `border0: ${reason}`));
    await report.end({ result: error instanceof StartupRefusal ? 'denied' : 'failed', reason });
    return;
  }
  report.event('db.login', { database, upstream_user: login.username });
  let queryLog: QueryLog | undefined;
  if (lookup.socket.recording_enabled) {
    queryLog = await startQueryLog(
      ctx.client,
      {
        protocol: 'postgres',
        session_id: sessionId,
        socket: lookup.socket.name,
        identity: identity.label,
        upstream_user: login.username,
        database,
      },
      log,
    ).catch((error: unknown) => {
      log.warn({ err: error }, 'query log could not start');
      return undefined;
    });
  }
  tls.write(authenticationOk());
  reader.startupDone();
  const relay = new PostgresRelay({
    tls,
    upstream,
    reader,
    admitted,
    database,
    queryLog,
    report,
    log,
    cancel: (processId, secretKey) =>
      sendCancel(
        ctx.tunnels.openChannel(lookup.socket.dnsname, admitted.origin),
        login,
        processId,
        secretKey,
      ),
  });
  log.info({ identity: identity.label, database }, 'postgres session started');
  await runDatabaseSession(ctx, admitted, {
    id: sessionId,
    relay,
    database: () => database,
    report,
    queryLog,
  });
  log.info({ bytesIn: report.bytesIn, bytesOut: report.bytesOut }, 'postgres session ended');
}

class StartupRefusal extends Error {}

function upstreamLogin(credentials: ResolvedDatabaseCredentials, parameters: Map<string, string>) {
  return {
    hostname: credentials.hostname,
    // A socket without a user logs in as the name the client gave (no_auth upstreams, trust).
    username: credentials.username ?? parameters.get('user') ?? 'postgres',
    password: credentials.password,
    tls: credentials.tls,
  };
}
