/**
 * A proxy: gets its server certificate and the organizations' client CAs through the SDK, listens, accepts
 * connector tunnels and client connections, registers itself and re-asserts its live sessions every
 * heartbeat, and follows the control plane's change events (policy changes, terminations, sockets, new
 * organizations), deciding its live sessions again whenever events may have been missed.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { openCountryResolver } from '@border0/geoip';
import { Border0Error, createClient, EventStream } from '@border0/sdk';
import * as x509 from '@peculiar/x509';
import { type Logger, pino } from 'pino';
import { PolicyCache } from './control-plane/policy-cache.js';
import { ProxyHeartbeat } from './control-plane/proxy-heartbeat.js';
import { SocketDirectory, type SocketDirectoryOptions } from './control-plane/socket-directory.js';
import { type ConnectionLimits, defaultConnectionLimits } from './gateway/connection-guard.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import { LiveSessions } from './gateway/live-sessions.js';
import { SessionRevalidation } from './gateway/session-revalidation.js';
import { ControlPlaneHttpIdentity, type HttpIdentityLookup } from './http/http-identity.js';
import type { HttpSessionOptions } from './http/http-sessions.js';
import { HttpSocketFront } from './http/http-socket.js';
import { sessionBody } from './session/client-admission.js';
import { RefusalReports } from './session/refusal-reports.js';
import { WebTerminals } from './ssh/web-terminal.js';
import { TunnelServer } from './tunnel/tunnel-server.js';

export interface ProxyOptions {
  apiUrl: string;
  /** A proxy token (written to `<data dir>/proxy-token` on the platform's first start). */
  token: string;
  name: string;
  host?: string | undefined;
  /** 0 picks a free port. */
  port?: number | undefined;
  /** Where connectors and clients reach this proxy (default host:port). */
  publicAddress?: string | undefined;
  region?: string | undefined;
  baseDomain?: string | undefined;
  /** An mmdb country database instead of the shipped DB-IP one, and CIDR → country overrides (labs). */
  geoipDatabase?: string | undefined;
  geoipOverrides?: Record<string, string> | undefined;
  /** How old policy data may be while change events are not arriving before decisions fail closed. */
  policyMaxAgeMs?: number | undefined;
  /** Bounds on connections that have not logged in yet (defaults: defaultConnectionLimits()). */
  connectionLimits?: Partial<ConnectionLimits> | undefined;
  /** Bounds on looking sockets up by name, which happens before authentication (defaults: SocketDirectory). */
  socketLookups?: Omit<SocketDirectoryOptions, 'baseDomain' | 'log'> | undefined;
  /** Refusals before authentication: how long repeats are counted into one report (default 60 s). */
  refusalWindowMs?: number | undefined;
  /**
   * Also serve HTTP sockets in plain HTTP on loopback at `http://<socket>-<org>.localhost:<port>/` (0 picks
   * a free port); off when undefined.
   */
  httpLoopbackPort?: number | undefined;
  /** Where browsers log in (default `<apiUrl>/login`). */
  loginPage?: string | undefined;
  /** How long HTTP sessions and their decisions last (defaults: HttpSessions). */
  httpSessions?: HttpSessionOptions | undefined;
  /** Who a request to an HTTP socket is (default: the control plane's answer). */
  httpIdentities?: HttpIdentityLookup | undefined;
  /** The fetch that the proxy's SDK client uses (default: the global one). */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  log?: Logger | undefined;
}

export interface ProxyHandle {
  port: number;
  address: string;
  tunnels: TunnelServer;
  sessions: LiveSessions;
  /** The loopback HTTP listener's port, when asked for. */
  httpLoopbackPort: number | undefined;
  /** Connections that have not logged in yet. */
  readonly pendingConnections: number;
  close(): Promise<void>;
}

/** How often live sessions are re-decided while the event stream is down: a tenth of the cache limit. */
const revalidateEvery = (policyMaxAgeMs: number) => Math.min(Math.max(policyMaxAgeMs / 10, 250), 10_000);

/** A fresh P-256 key and a CSR for it: the private key never leaves this process. */
async function serverCredentials(client: ReturnType<typeof createClient>, name: string) {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: algorithm,
  });
  const issued = await client.post('/api/v1/proxy/certificate', { body: { csr: csr.toString('pem') } });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
  return { key, cert: `${issued.certificate.trim()}\n${issued.ca_certificate.trim()}\n` };
}

export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  const log = options.log ?? pino({ name: 'border0-proxy' });
  const client = createClient({ baseUrl: options.apiUrl, token: options.token, fetch: options.fetch });
  const baseDomain = (options.baseDomain ?? 'localhost').toLowerCase();
  const { key, cert } = await serverCredentials(client, options.name);
  const clientCas = async () =>
    (await client.get('/api/v1/proxy/trust')).client_cas.map((ca) => ca.certificate);

  const directory = new SocketDirectory(client, {
    ...options.socketLookups,
    baseDomain,
    log: log.child({ part: 'directory' }),
  });
  const policies = new PolicyCache({ client, maxAgeMs: options.policyMaxAgeMs });
  const sessions = new LiveSessions();
  const tunnels = new TunnelServer({
    log: log.child({ part: 'tunnels' }),
    authenticateConnector: async (token) => {
      try {
        const grant = await client.post('/api/v1/proxy/connectors/authenticate', { body: { token } });
        return {
          connectorId: grant.connector.id,
          organizationId: grant.connector.organization_id,
          tokenId: grant.token_id,
          sockets: grant.sockets.map((s) => ({ id: s.id, dnsname: s.dnsname })),
        };
      } catch (error) {
        // Refused (4xx): not a connector token. No answer (status 0) or 5xx: the caller retries later.
        if (error instanceof Border0Error && error.status >= 400 && error.status < 500) return undefined;
        throw error;
      }
    },
  });
  const geo = await openCountryResolver({
    databasePath: options.geoipDatabase,
    overrides: options.geoipOverrides,
  });
  const refusals = new RefusalReports(
    (refusal, attempts) =>
      client.post('/api/v1/proxy/sessions', { body: sessionBody(refusal, 'denied', attempts) }),
    log,
    { windowMs: options.refusalWindowMs },
  );
  const connection = { client, policies, tunnels, sessions, refusals, geo, log };
  const credentials = { key, cert, ca: await clientCas() };
  const limits = { ...defaultConnectionLimits(), ...options.connectionLimits };
  const terminals = new WebTerminals(connection, options.name, log.child({ part: 'web-terminal' }));
  const http = new HttpSocketFront({
    terminals,
    ctx: connection,
    directory,
    identities: options.httpIdentities ?? new ControlPlaneHttpIdentity(client),
    loginPage: options.loginPage ?? new URL('/login', options.apiUrl).toString(),
    baseDomain,
    sessions: options.httpSessions,
    geo,
    log,
  });
  const server: Gateway = createGateway({
    credentials,
    baseDomain,
    directory,
    tunnels,
    connection,
    http,
    limits,
    log,
  });

  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(options.port ?? 8443, host);
  const publicAddress = options.publicAddress ?? `${host}:${port}`;
  const httpLoopbackPort =
    options.httpLoopbackPort === undefined ? undefined : await http.listenLoopback(options.httpLoopbackPort);

  const heartbeat = new ProxyHeartbeat({
    client,
    registration: {
      name: options.name,
      public_address: publicAddress,
      ...(options.region && { region: options.region }),
    },
    sessions,
    log,
  });
  await heartbeat.start();
  const revalidation = new SessionRevalidation({
    sessions,
    policies,
    log,
    everyMs: revalidateEvery(policies.maxAgeMs),
  });

  const events = new EventStream({
    client,
    stream: 'proxy',
    log,
    onConnectedChange: (live) => policies.setEventsLive(live),
    onEvent: (event) => {
      switch (event.type) {
        case 'ready':
          // Events before this stream may have been missed: forget everything fetched before it, decide every
          // live session again on fresh data, and end those terminated meanwhile.
          policies.invalidate();
          directory.forget();
          void revalidation.redecideAll();
          void heartbeat.reassert();
          break;
        case 'policy-data':
          policies.invalidate(event.organization_id);
          void sessions.recheck(event.organization_id);
          break;
        case 'session-terminate':
          sessions.terminate(event.session_id, 'terminated by an administrator');
          break;
        case 'socket':
          directory.forget(event.dnsname);
          break;
        case 'trust':
          void clientCas().then((ca) => server.setSecureContext({ key, cert, ca }));
          break;
        case 'connector-revoke': {
          const reason = event.token_id ? 'connector token revoked' : 'connector deleted';
          const cut = tunnels.disconnectConnector(event.connector_id, reason, event.token_id);
          if (cut > 0) log.info({ connectorId: event.connector_id, tunnels: cut }, reason);
          break;
        }
      }
    },
  }).start();

  log.info({ address: publicAddress, limits }, 'proxy listening');
  return {
    port,
    address: publicAddress,
    tunnels,
    sessions,
    httpLoopbackPort,
    get pendingConnections() {
      return server.pending;
    },
    async close() {
      heartbeat.close();
      revalidation.close();
      events.close();
      sessions.endAll('the proxy is stopping');
      tunnels.close();
      await Promise.all([server.close(), http.close(), refusals.flush()]);
    },
  };
}
