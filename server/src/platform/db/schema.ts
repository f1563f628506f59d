/** Row types of the control plane's tables, as Kysely sees them. Every tenant table carries `org_id`. */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T extends object | null> = JSONColumnType<T, string, string>;
/** A column with a database default: optional on insert. */
type Defaulted<T> = ColumnType<T, T | string | undefined, T | string>;

export interface UsersTable {
  id: string;
  email: string;
  display_name: string | null;
  /** argon2id PHC string; null for accounts without a local password. */
  password_hash: ColumnType<string | null, string | null | undefined, string | null>;
  password_updated_at: ColumnType<Date | string | null, Date | null | undefined, Date | null>;
  /** The organization that made the account and manages its password; null once it is deleted. */
  home_org_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Defaulted<Date>;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  display_name: string | null;
  created_at: Defaulted<Date>;
  updated_at: Defaulted<Date>;
  version: ColumnType<number, number | undefined, number>;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  /** The account's email: an organization has one member per email. */
  email: string;
  role: string;
  created_at: Defaulted<Date>;
  updated_at: Defaulted<Date>;
  version: ColumnType<number, number | undefined, number>;
}

/** An invitation for a person who has an account to join this organization; its code is kept as a digest. */
export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: string;
  code_hash: string;
  /** How the audit log names who invited. */
  invited_by: string;
  status: ColumnType<'pending' | 'accepted' | 'revoked', 'pending' | undefined, 'accepted' | 'revoked'>;
  accepted_user_id: string | null;
  created_at: Defaulted<Date>;
  expires_at: Date | string;
  decided_at: Date | string | null;
}

export interface GroupsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  created_at: Defaulted<Date>;
  updated_at: Defaulted<Date>;
  version: ColumnType<number, number | undefined, number>;
}

export interface GroupMembersTable {
  org_id: string;
  group_id: string;
  user_id: string;
  created_at: Defaulted<Date>;
}

export interface ServiceAccountsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  role: string;
  created_at: Defaulted<Date>;
  updated_at: Defaulted<Date>;
  version: ColumnType<number, number | undefined, number>;
}

export interface TokensTable {
  id: string;
  org_id: string;
  /** `admin`, `service_account` or `connector`. */
  kind: string;
  name: string;
  /** SHA-256 of the secret part, hex. The token itself is never stored. */
  secret_hash: string;
  role: string;
  user_id: string | null;
  service_account_id: string | null;
  connector_id: string | null;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  created_at: Defaulted<Date>;
  /** The device login that issued this access token, if any (see refresh_tokens). */
  login_id: Defaulted<string | null>;
  /** The service account's trusted web identity this token was exchanged through, if any. */
  web_identity_id: Defaulted<string | null>;
}

/** An OIDC issuer a service account trusts: its tokens with matching claims are exchanged for the account's. */
export interface ServiceAccountWebIdentitiesTable {
  id: string;
  org_id: string;
  service_account_id: string;
  name: string;
  issuer: string;
  audience: string;
  subject: string;
  claims: Json<Record<string, string>>;
  created_at: Defaulted<Date>;
}

export interface SocketsTable {
  id: string;
  org_id: string;
  name: string;
  display_name: string | null;
  description: string | null;
  socket_type: string;
  tags: Json<Record<string, string>>;
  recording_enabled: boolean;
  /** ssh sockets: record what the client sends too (asciicast `i` events). */
  recording_input_enabled: Defaulted<boolean>;
  connector_ids: Json<string[]>;
  /** The upstream configuration without its secrets. */
  upstream: Json<Record<string, unknown>>;
  /** The secrets of the upstream configuration, AES-256-GCM sealed JSON. */
  upstream_secrets: string | null;
  created_at: Defaulted<Date>;
  updated_at: Defaulted<Date>;
  version: ColumnType<number, number | undefined, number>;
  /** ssh sockets: the upstream's host key (OpenSSH public key line), trusted on first use. */
  ssh_host_key: Defaulted<string | null>;
  ssh_host_key_trusted_at: Defaulted<Date | null>;
  /** The connector that declared the socket (connector.yaml, discovery): it alone may change or delete it. */
  declared_by_connector_id: Defaulted<string | null>;
}

export interface PoliciesTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  document: Json<Record<string, unknown>>;
  org_wide: boolean;
  tag_rules: Json<Record<string, string>[]>;
  created_at: Defaulted<Date>;
  updated_at: Defaulted<Date>;
  version: ColumnType<number, number | undefined, number>;
}

export interface PolicySocketsTable {
  org_id: string;
  policy_id: string;
  socket_id: string;
  created_at: Defaulted<Date>;
}

export interface DiscoveryStatusEntry {
  plugin: string;
  last_run_at: string | null;
  error: string | null;
  resources: number;
}

export interface ConnectorsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  version_reported: string | null;
  last_seen_at: Timestamp | null;
  /** Names of the proxies the connector last reported tunnels to. */
  proxies_connected: ColumnType<string[], string | undefined, string>;
  /** The discovery runs the connector last reported, one per plugin. */
  discovery_status: ColumnType<DiscoveryStatusEntry[], string | undefined, string>;
  created_at: Defaulted<Date>;
  updated_at: Defaulted<Date>;
  version: ColumnType<number, number | undefined, number>;
}

export interface SessionsTable {
  id: string;
  org_id: string;
  socket_id: string;
  socket_name: string;
  user_email: string | null;
  service_account_name: string | null;
  client_ip: string | null;
  client_port: number | null;
  country: string | null;
  started_at: Timestamp;
  last_seen_at: Timestamp;
  ended_at: Timestamp | null;
  result: string;
  reason: string | null;
  bytes_in: ColumnType<string, string | number, string | number>;
  bytes_out: ColumnType<string, string | number, string | number>;
  /** The proxy token that opened the session: only that proxy reports on it. */
  proxy_token_id: ColumnType<string | null, string | null | undefined, string | null>;
  terminate_requested_at: Timestamp | null;
  attempts: ColumnType<number, number | undefined, number>;
}

export interface SessionEventsTable {
  id: Generated<number>;
  org_id: string;
  session_id: string;
  time: Timestamp;
  type: string;
  data: Json<Record<string, unknown>>;
}

export interface RecordingsTable {
  id: string;
  org_id: string;
  session_id: string;
  format: string;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  size_bytes: ColumnType<string, string | number, string | number>;
  storage_key: string;
  /** Distinct chunks stored (a replaced chunk counts once). */
  chunk_count: Defaulted<number>;
  last_chunk_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** One acknowledged chunk of a recording; its bytes are in the recording storage. */
export interface RecordingChunksTable {
  recording_id: string;
  /** bigint: a string from pg, a number from PGlite. */
  seq: ColumnType<string | number, string | number, string | number>;
  size_bytes: number;
  stored_at: Defaulted<Date>;
}

export interface AuditEntriesTable {
  org_id: string;
  seq: number;
  id: string;
  time: Timestamp;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  ip: string | null;
  request_id: string | null;
  /** The caller's own `X-Request-Id`, apart from the server's `request_id` (migration 0019). */
  client_request_id: string | null;
  details: Json<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
}

export interface IdempotencyKeysTable {
  org_id: string;
  key: string;
  principal: string;
  operation: string;
  request_hash: string;
  status: number;
  response: string;
  created_at: Defaulted<Date>;
}

export interface CertificateAuthoritiesTable {
  id: string;
  /** Null for the platform's own CAs, which belong to no organization. */
  org_id: string | null;
  /** `x509_client`, `ssh_user` or `x509_platform`. */
  kind: string;
  /** The CA certificate (PEM) of an X.509 CA; the OpenSSH public key line of an SSH CA. */
  public_part: string;
  /** The private key (PKCS#8 PEM), AES-256-GCM sealed. */
  private_key_sealed: string;
  not_after: Timestamp | null;
  created_at: Defaulted<Date>;
}

/** A proxy of the data plane, as it last registered. Proxies belong to the platform, not to organizations. */
export interface ProxiesTable {
  id: string;
  name: string;
  /** `host:port` where clients and connectors reach it. */
  public_address: string;
  region: string | null;
  version: string | null;
  last_seen_at: Timestamp;
  created_at: Defaulted<Date>;
}

/** Tokens of the data plane's proxies: platform-level, so outside `tokens` (whose rows belong to organizations). */
export interface ProxyTokensTable {
  id: string;
  name: string;
  secret_hash: string;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  created_at: Defaulted<Date>;
}

/** A device login (RFC 8628) a client started; codes are stored as SHA-256 digests only. */
export interface DeviceAuthorizationsTable {
  id: string;
  device_code_hash: string;
  user_code_hash: string;
  organization: string | null;
  /** `pending`, `approved`, `denied` or `used`. */
  status: Defaulted<string>;
  org_id: string | null;
  user_id: string | null;
  interval_seconds: number;
  last_polled_at: Timestamp | null;
  expires_at: Timestamp;
  created_at: Defaulted<Date>;
}

/** A refresh token of a device login; rotated on every use (`used_at` marks a spent one). */
export interface RefreshTokensTable {
  id: string;
  org_id: string;
  user_id: string;
  login_id: string;
  secret_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Defaulted<Date>;
}

/** A person's login in the browser; the `border0_login` cookie holds its token, stored as a digest. */
export interface LoginSessionsTable {
  id: string;
  user_id: string;
  secret_hash: string;
  /** `totp` while the second factor is awaited, then `active`. */
  stage: Defaulted<'totp' | 'active'>;
  totp_attempts: Defaulted<number>;
  ip: string | null;
  created_at: Defaulted<Date>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

/** A one-time code (60 s) that hands a login to one HTTP socket's host; kept as a digest. */
export interface WebLoginCodesTable {
  id: string;
  code_hash: string;
  login_session_id: string;
  org_id: string;
  host: string;
  created_at: Defaulted<Date>;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** A proxy's session of a person on one HTTP socket's host, derived from a browser login; kept as a digest. */
export interface WebSessionsTable {
  id: string;
  login_session_id: string;
  user_id: string;
  org_id: string;
  host: string;
  secret_hash: string;
  created_at: Defaulted<Date>;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

/** A person's TOTP second factor (RFC 6238); the secret is AES-256-GCM sealed. */
export interface UserTotpTable {
  user_id: string;
  secret_sealed: string;
  confirmed_at: Timestamp | null;
  /** bigint: a string from pg, a number from PGlite. */
  last_used_step: ColumnType<string | number | null, number | null | undefined, number | null>;
  created_at: Defaulted<Date>;
}

/** An organization's key for identity tokens (JWTs upstream apps verify with its JWKS). */
export interface IdentitySigningKeysTable {
  /** The JWK's `kid`. */
  id: string;
  org_id: string;
  algorithm: string;
  /** The public key as a JWK (JSON text). */
  public_jwk: string;
  /** The private key (PKCS#8 PEM), AES-256-GCM sealed. */
  private_key_sealed: string;
  created_at: Defaulted<Date>;
}

/** An organization's OIDC identity provider; the client secret is AES-256-GCM sealed, never returned. */
export interface IdentityProvidersTable {
  id: string;
  org_id: string;
  name: string;
  display_name: string | null;
  issuer: string;
  client_id: string;
  client_secret_sealed: string | null;
  /** Space-separated. */
  scopes: string;
  email_claim: string;
  groups_claim: string;
  enabled: Defaulted<boolean>;
  created_at: Defaulted<Date>;
  updated_at: Defaulted<Date>;
  version: ColumnType<number, number | undefined, number>;
}

/** A login started through an identity provider (10 minutes, once): state as a digest, PKCE verifier sealed. */
export interface OidcLoginStatesTable {
  id: string;
  state_hash: string;
  provider_id: string;
  org_id: string;
  nonce: string;
  code_verifier_sealed: string;
  return_to: string;
  created_at: Defaulted<Date>;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface Database {
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  service_accounts: ServiceAccountsTable;
  service_account_web_identities: ServiceAccountWebIdentitiesTable;
  tokens: TokensTable;
  sockets: SocketsTable;
  policies: PoliciesTable;
  policy_sockets: PolicySocketsTable;
  connectors: ConnectorsTable;
  sessions: SessionsTable;
  session_events: SessionEventsTable;
  recordings: RecordingsTable;
  recording_chunks: RecordingChunksTable;
  audit_entries: AuditEntriesTable;
  idempotency_keys: IdempotencyKeysTable;
  certificate_authorities: CertificateAuthoritiesTable;
  proxies: ProxiesTable;
  proxy_tokens: ProxyTokensTable;
  device_authorizations: DeviceAuthorizationsTable;
  refresh_tokens: RefreshTokensTable;
  invitations: InvitationsTable;
  login_sessions: LoginSessionsTable;
  web_login_codes: WebLoginCodesTable;
  web_sessions: WebSessionsTable;
  user_totp: UserTotpTable;
  identity_signing_keys: IdentitySigningKeysTable;
  identity_providers: IdentityProvidersTable;
  oidc_login_states: OidcLoginStatesTable;
}
