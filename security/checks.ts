/**
 * Every security check of the platform by name: where it is in the code, how it is disabled, and the tests
 * that must fail when it is. `pnpm test:mutations` (mutate.ts) disables each in turn. A check no named test
 * catches is a defect: add the test. Keep `find` exact and unique; the runner says when it goes stale.
 */

export interface SecurityCheck {
  /** A name that says what is checked, e.g. `tenant-filter-sockets`. */
  id: string;
  /** The promise the check keeps, in one line. */
  what: string;
  /** Repository-relative path of the code. */
  file: string;
  /** The code of the check, exactly as it is in the file (it must occur once). */
  find: string;
  /** The same code with the check disabled. */
  replace: string;
  /** Test files (and optionally a test-name pattern) of which at least one test must fail. */
  tests: { package: string; file: string; name?: string }[];
}

const server = (file: string, name?: string) => ({ package: 'server', file, ...(name && { name }) });
const sdk = (file: string, name?: string) => ({ package: 'sdk', file, ...(name && { name }) });
const proxies = (file: string, name?: string) => ({ package: 'proxies', file, ...(name && { name }) });
const protocol = (file: string, name?: string) => ({ package: 'protocol', file, ...(name && { name }) });

export const CHECKS: SecurityCheck[] = [
  // Tenant isolation: every query of an organization's rows is filtered by the organization.
  {
    id: 'tenant-filter-sockets',
    what: 'a socket is found only in its own organization',
    file: 'server/src/sockets/socket-store.ts',
    find: "    .where('s.org_id', '=', orgId)\n    .where(isId(ref) ? 's.id' : 's.name', '=', ref)",
    replace: "    .where(isId(ref) ? 's.id' : 's.name', '=', ref)",
    tests: [server('test/tenancy.test.ts', 'pglite')],
  },
  {
    id: 'tenant-filter-named-resources',
    what: 'groups, policies, connectors and service accounts are found only in their organization',
    file: 'server/src/platform/db/named-rows.ts',
    find: "      .where('org_id', '=', orgId)\n      .where(isId(ref) ? 'id' : 'name', '=', ref)",
    replace: "      .where(isId(ref) ? 'id' : 'name', '=', ref)",
    tests: [server('test/tenancy.test.ts', 'pglite')],
  },
  {
    id: 'tenant-filter-members',
    what: 'members are read only in their organization',
    file: 'server/src/members/member-store.ts',
    find: "    .where('m.org_id', '=', orgId);",
    replace: ';',
    tests: [server('src/members/members.test.ts', 'pglite'), server('test/tenancy.test.ts', 'pglite')],
  },
  {
    id: 'tenant-filter-socket-list',
    what: 'the socket list shows only the organization’s sockets',
    file: 'server/src/sockets/socket-store.ts',
    find: "    .select('o.name as org_name')\n    .where('s.org_id', '=', orgId);",
    replace: "    .select('o.name as org_name');",
    tests: [server('test/tenancy.test.ts', 'pglite')],
  },
  {
    id: 'tenant-filter-service-account-list',
    what: 'the service account list shows only the organization’s',
    file: 'server/src/platform/db/named-rows.ts',
    find: "      .where('org_id', '=', orgId)\n      .$if(page.after",
    replace: '      .$if(page.after',
    tests: [server('test/tenancy.test.ts', 'pglite')],
  },
  {
    id: 'tenant-filter-audit',
    what: 'the audit log shows only the organization’s entries',
    file: 'server/src/audit/audit-store.ts',
    find: "selectFrom('audit_entries').selectAll().where('org_id', '=', orgId);",
    replace: "selectFrom('audit_entries').selectAll();",
    tests: [server('src/audit/audit.test.ts', 'pglite')],
  },
  {
    id: 'tenant-filter-sessions',
    what: 'sessions are found only in their organization',
    file: 'server/src/sessions/session-store.ts',
    find: "    .selectAll()\n    .where('org_id', '=', orgId)\n    .where('id', '=', id)",
    replace: "    .selectAll()\n    .where('id', '=', id)",
    tests: [server('src/sessions/sessions.test.ts', 'pglite')],
  },
  // Roles and tokens.
  {
    id: 'role-permission-check',
    what: 'every organization route refuses a token whose rights lack its permission (default deny)',
    file: 'server/src/platform/auth/authorize.ts',
    find: 'if (!principal.rights.has(permission)) {',
    replace: 'if (false) {',
    tests: [server('test/authorization.test.ts')],
  },
  {
    id: 'token-rights-intersection',
    what: 'a person’s token never does more than the person’s current role allows',
    file: 'server/src/platform/auth/authenticate.ts',
    find: 'rights = intersectRights(tokenRights, rightsOf(row.member_role as Role));',
    replace: 'rights = tokenRights;',
    tests: [server('test/standing.test.ts', 'token rights')],
  },
  {
    id: 'service-account-token-rights-intersection',
    what: 'a service account’s token never does more than the account’s current role allows',
    file: 'server/src/platform/auth/authenticate.ts',
    find: 'rights = intersectRights(tokenRights, rightsOf(row.service_account_role as Role));',
    replace: 'rights = tokenRights;',
    tests: [server('test/standing.test.ts', 'whatever the token row says')],
  },
  {
    id: 'token-needs-membership',
    what: 'a person’s token stops working when the person leaves the organization',
    file: 'server/src/platform/auth/authenticate.ts',
    find: '    if (!row.member_role) return undefined;',
    replace: "    if (!row.member_role) row.member_role = 'owner';",
    tests: [server('test/standing.test.ts', 'whatever the token row says')],
  },
  {
    id: 'token-expiry',
    what: 'an expired token is refused',
    file: 'server/src/platform/auth/authenticate.ts',
    find: '  if (expired(row.expires_at)) return undefined;',
    replace: '',
    tests: [server('src/tokens/tokens.test.ts', 'expiry')],
  },
  {
    id: 'grant-at-most-own-rights',
    what: 'nobody grants a role with a right they lack (members, tokens, service accounts)',
    file: 'server/src/platform/auth/roles.ts',
    find: '  for (const permission of GRANTS[granted]) if (!rights.has(permission)) return false;',
    replace: '',
    tests: [server('test/standing.test.ts', 'token rights'), server('src/members/members.test.ts', 'pglite')],
  },
  {
    id: 'owner-only-owner-changes',
    what: 'only an owner changes or removes an owner',
    file: 'server/src/members/member-routes.ts',
    find: "      if (row.role === 'owner' && !principal.rights.has('owners:manage'))",
    replace: '      if (false)',
    tests: [server('src/members/members.test.ts', 'pglite')],
  },
  {
    id: 'read-only-uses-nothing',
    what: 'read_only gets no certificates (it sees everything and uses nothing)',
    file: 'server/src/platform/auth/roles.ts',
    find: '  read_only: new Set(READ),',
    replace: '  read_only: new Set([...READ, ...USE]),',
    tests: [server('test/authorization.test.ts')],
  },
  {
    id: 'members-see-own-sessions',
    what: 'a member sees only their own sessions',
    file: 'server/src/sessions/session-access.ts',
    find: "  if (principal.rights.has('sessions:read')) return null;",
    replace: '  return null;',
    tests: [server('src/sessions/sessions.test.ts', 'pglite')],
  },
  // Standing: decisions on the identity's current standing.
  {
    id: 'standing-before-policies',
    what: 'an identity without standing (removed, read_only, deleted) is denied whatever the policies say',
    file: 'sdk/src/policy/organization-access.ts',
    find: '    if (!standing.standing) return withoutStanding(standing.reason);',
    replace: '',
    tests: [sdk('src/policy/organization-access.test.ts')],
  },
  {
    id: 'standing-groups-not-claimed',
    what: 'groups come from the standing, never from the request',
    file: 'sdk/src/policy/organization-access.ts',
    find: '      identity: { ...request.identity, groups: standing.groups },',
    replace:
      '      identity: { ...request.identity, groups: [...(request.identity.groups ?? []), ...standing.groups] },',
    tests: [sdk('src/policy/organization-access.test.ts')],
  },
  {
    id: 'standing-in-access-checks',
    what: 'the access-check API denies identities without standing',
    file: 'server/src/access/access-check.ts',
    find: '  const decision = !standing.standing\n    ? withoutStanding(standing.reason)\n    : only',
    replace: '  const decision = only',
    tests: [server('test/standing.test.ts', 'standing \\(pglite\\)')],
  },
  {
    id: 'default-deny',
    what: 'a request is allowed only when a policy that applies allows it',
    file: 'sdk/src/policy/decide.ts',
    find: 'return { allowed: allowedBy !== undefined, reason, permissions, explanation };',
    replace: 'return { allowed: true, reason, permissions, explanation };',
    tests: [sdk('src/policy/decide.test.ts')],
  },
  // Consent across organizations.
  {
    id: 'password-by-home-organization',
    what: 'only the organization that made an account sets its password',
    file: 'server/src/login/password-routes.ts',
    find: '      if (account.home_org_id !== principal.orgId) {',
    replace: '      if (false) {',
    tests: [server('test/consent.test.ts', 'pglite')],
  },
  {
    id: 'add-member-own-account',
    what: 'adding an email never takes another organization’s account',
    file: 'server/src/organizations/organization-store.ts',
    find: "    .where('home_org_id', '=', orgId)\n",
    replace: '',
    tests: [server('test/consent.test.ts', 'pglite'), server('src/members/members.test.ts', 'pglite')],
  },
  {
    id: 'invitation-for-its-email',
    what: 'an invitation is accepted only by an account with its email',
    file: 'server/src/members/invitation-routes.ts',
    find: '        if (account.email !== row.email) {',
    replace: '        if (false) {',
    tests: [server('test/consent.test.ts', 'pglite')],
  },
  {
    id: 'invitation-once',
    what: 'an invitation is accepted once, and never when revoked or expired',
    file: 'server/src/members/invitation-routes.ts',
    find: "        if (!row || invitationStatus(row) !== 'pending') throw gone();",
    replace: '        if (!row) throw gone();',
    tests: [server('test/consent.test.ts', 'pglite')],
  },
  {
    id: 'device-login-password',
    what: 'a device login is approved only with the account’s password',
    file: 'server/src/login/device-login-store.ts',
    find: '    if (await verifyPassword(input.password, hash)) verified.add(id);',
    replace: '    verified.add(id);',
    tests: [server('src/login/device-login.test.ts', 'pglite')],
  },
  {
    id: 'device-page-csrf',
    what: 'the device approval form needs its CSRF token',
    file: 'server/src/login/device-page.ts',
    find: '  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);',
    replace: '  return true;',
    tests: [server('src/login/device-login.test.ts', 'pglite')],
  },
  {
    id: 'login-rate-limit',
    what: 'device login endpoints are rate limited per client address',
    file: 'server/src/platform/http/rate-limit.ts',
    find: '    if (window.count <= this.limit) return 0;',
    replace: '    return 0;',
    tests: [server('src/login/device-login.test.ts', 'pglite')],
  },
  // Evidence and audit.
  {
    id: 'session-writes-by-its-proxy',
    what: 'only the proxy that opened a session reports on it, its events and recordings',
    file: 'server/src/sessions/session-store.ts',
    find: "    .where('proxy_token_id', '=', proxyTokenId)\n",
    replace: '',
    tests: [server('src/sessions/sessions.test.ts', 'pglite')],
  },
  {
    id: 'organization-creation-audited-there',
    what: 'an organization’s creation is audited in it, not in the creator’s other organization',
    file: 'server/src/platform/http/mutation.ts',
    find: '  const orgId = scope.auditOrgId ?? scope.orgId ?? principal.orgId;',
    replace: '  const orgId = scope.orgId ?? principal.orgId;',
    tests: [server('src/audit/audit.test.ts', 'pglite')],
  },
  {
    id: 'audit-chain-hash',
    what: 'an edited audit entry breaks the chain',
    file: 'sdk/src/audit-chain.ts',
    find: "    if ((await auditEntryHash(entry)) !== entry.hash) return broken('content does not match its hash');",
    replace: '',
    tests: [sdk('src/audit-chain.test.ts')],
  },
  // HTTP conventions that guard data.
  {
    id: 'if-match',
    what: 'an update with a stale If-Match is refused (412)',
    file: 'server/src/platform/http/etag.ts',
    find: "  if (tags.includes('*') || tags.includes(etagOf(currentVersion))) return;",
    replace: '  return;',
    tests: [server('src/members/members.test.ts', 'pglite')],
  },
  {
    id: 'idempotency-key-mismatch',
    what: 'an Idempotency-Key reused with another body is refused, not replayed',
    file: 'server/src/platform/http/mutation.ts',
    find: '    if (stored.request_hash !== requestHash) {',
    replace: '    if (false) {',
    tests: [server('src/tokens/tokens.test.ts', 'Idempotency')],
  },
  {
    id: 'secrets-never-returned',
    what: 'socket secrets are sealed and never returned',
    file: 'server/src/sockets/socket-store.ts',
    find: '    delete open[key];',
    replace: '',
    tests: [server('src/sockets/sockets.test.ts', 'pglite')],
  },
  {
    id: 'certificate-lifetime',
    what: 'client certificates last at most an hour',
    file: 'server/src/certificates/validity-window.ts',
    find: 'export const MAX_CERTIFICATE_TTL_SECONDS = 60 * 60;',
    replace: 'export const MAX_CERTIFICATE_TTL_SECONDS = 12 * 60 * 60;',
    tests: [server('src/certificates/validity-window.test.ts')],
  },
  // Input and HTTP hygiene.
  {
    id: 'unstorable-input-refused',
    what: 'NUL and lone surrogates anywhere in a request are a 400 naming the field, never a 500',
    file: 'server/src/platform/http/storable-text.ts',
    find: '  if (found === undefined) return undefined;',
    replace: '  return undefined;',
    tests: [server('test/unstorable-input.test.ts', 'pglite')],
  },
  {
    id: 'json-depth-bounded',
    what: 'JSON bodies nesting deeper than 32 levels are refused before parsing',
    file: 'server/src/platform/http/input-guard.ts',
    find: '    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {',
    replace: '    if (false) {',
    tests: [server('test/unstorable-input.test.ts', 'pglite')],
  },
  {
    id: 'if-match-strong',
    what: 'If-Match compares strongly: a weak ETag never matches',
    file: 'server/src/platform/http/etag.ts',
    find: "  const tags = header.split(',').map((t) => t.trim());",
    replace: "  const tags = header.split(',').map((t) => t.trim().replace(/^W\\//, ''));",
    tests: [server('test/http-semantics.test.ts')],
  },
  {
    id: 'request-id-chosen-by-server',
    what: 'the request id in logs and audit entries is the server’s own, never the caller’s',
    file: 'server/src/platform/http/request-id.ts',
    find: '    const id = randomUUID();',
    replace: "    const id = c.req.header('x-request-id') ?? randomUUID();",
    tests: [server('test/request-id.test.ts')],
  },
  {
    id: 'bearer-challenge',
    what: 'every 401 carries a WWW-Authenticate Bearer challenge',
    file: 'server/src/platform/http/problem.ts',
    find: "    ...(error.kind === 'unauthenticated' && { 'www-authenticate': bearerChallenge(c, error) }),",
    replace: '',
    tests: [server('test/http-semantics.test.ts')],
  },
  {
    id: 'header-timeout',
    what: 'a request whose headers never finish is closed within a bounded time',
    file: 'server/src/platform/http/node-listener.ts',
    find: '          headersTimeout: t.headersMs,\n          requestTimeout: t.requestMs,',
    replace: '          headersTimeout: 0,\n          requestTimeout: 0,',
    tests: [server('test/http-server.test.ts', 'half a request line')],
  },
  // The data plane: decisions that fail closed, sessions that always end, evidence that survives a crash.
  {
    id: 'pending-connection-deadline',
    what: 'a connection that never finishes its TLS handshake or its login is closed at its deadline',
    file: 'proxies/src/gateway/connection-guard.ts',
    find: '      raw.destroy();\n    }, ms);',
    replace: '    }, ms);',
    tests: [proxies('test/connection-guard.test.ts', 'sends nothing')],
  },
  {
    id: 'pending-per-address-limit',
    what: 'one address holds a bounded number of connections that have not logged in',
    file: 'proxies/src/gateway/connection-guard.ts',
    find: '    if (held >= this.#limits.maxPendingPerAddress) {',
    replace: '    if (false) {',
    tests: [proxies('test/connection-guard.test.ts', 'past its limit')],
  },
  {
    id: 'unknown-names-not-looked-up-again',
    what: 'a server name that named no socket is remembered for a while, not asked about on every connection',
    file: 'proxies/src/control-plane/socket-directory.ts',
    find: '    if (!this.#plausible(name) || this.#missing.get(name)) return Promise.resolve(undefined);',
    replace: '    if (!this.#plausible(name)) return Promise.resolve(undefined);',
    tests: [proxies('test/unauthenticated-work.test.ts')],
  },
  {
    id: 'unknown-name-lookups-rate-limited',
    what: 'lookups of names never found are rate limited',
    file: 'proxies/src/control-plane/socket-directory.ts',
    find: '    if (!found && !this.#lookups.take()) {',
    replace: '    if (false) {',
    tests: [proxies('test/unauthenticated-work.test.ts')],
  },
  {
    id: 'refusals-counted-not-multiplied',
    what: 'repeated refusals before authentication are counted into one session record, not one each',
    file: 'proxies/src/session/refusal-reports.ts',
    find: '    if (kind) {\n      kind.repeats++;\n      kind.last = refusal;\n      return;\n    }',
    replace: '',
    tests: [proxies('test/unauthenticated-work.test.ts')],
  },
  {
    id: 'policy-data-fails-closed',
    what: 'past its age limit without events, policy data is fetched again, and decisions fail closed without it',
    file: 'proxies/src/control-plane/policy-cache.ts',
    find: '      const stale = !cached || this.#age(cached) > this.#maxAgeMs;',
    replace: '      const stale = !cached;',
    tests: [proxies('src/control-plane/policy-cache.test.ts')],
  },
  {
    id: 'live-session-undecidable-ends',
    what: 'a live session that cannot be decided again is ended (fail closed)',
    file: 'proxies/src/gateway/live-sessions.ts',
    find: '      if (!(await session.stillAllowed().catch(() => false))) {',
    replace: '      if (!(await session.stillAllowed().catch(() => true))) {',
    tests: [proxies('src/gateway/live-sessions.test.ts')],
  },
  {
    id: 'lapsed-sessions-end',
    what: 'the control plane ends the sessions of a proxy that stopped reporting them',
    file: 'server/src/sessions/session-lease-store.ts',
    find: "            .where('last_seen_at', '<', cutoff)",
    replace: "            .where('last_seen_at', '<', new Date(0))",
    tests: [server('src/sessions/session-lease.test.ts', 'pglite')],
  },
  {
    id: 'terminated-lease-not-renewed',
    what: 'a session an admin terminated is not kept alive by its proxy’s heartbeat',
    file: 'server/src/sessions/session-lease-store.ts',
    find: "    .where('terminate_requested_at', 'is', null)\n    .execute();",
    replace: '    .execute();',
    tests: [server('src/sessions/session-lease.test.ts', 'pglite')],
  },
  {
    id: 'recording-flush-quarter-second',
    what: 'recorded terminal output leaves the proxy within a quarter of a second',
    file: 'protocol/src/asciicast-writer.ts',
    find: 'this.#flushIntervalMs = options.flushIntervalMs ?? 250;',
    replace: 'this.#flushIntervalMs = options.flushIntervalMs ?? 1000;',
    tests: [protocol('src/asciicast-writer.test.ts')],
  },
  // The data plane's policy: commands exactly as the upstream runs them.
  {
    id: 'exec-control-characters',
    what: 'an ssh exec command with a control character is refused under every policy',
    file: 'sdk/src/policy/decide.ts',
    find: '      if (refusal) return denyPermission(refusal);',
    replace: '',
    tests: [sdk('src/policy/command.test.ts'), sdk('src/policy/command.property.test.ts')],
  },
  {
    id: 'exec-exact-command',
    what: 'an allowed command list matches the command exactly as the upstream runs it',
    file: 'sdk/src/policy/decide.ts',
    find: '      if (compiled.commands && !compiled.commands.has(action.command)) {',
    replace:
      '      if (compiled.commands && ![...compiled.commands].some((c) => action.command.startsWith(c))) {',
    tests: [sdk('src/policy/command.property.test.ts'), sdk('src/policy/command.test.ts')],
  },
];
