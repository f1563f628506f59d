/** Roles and what each may do. Every route names the permission it needs; default deny. */
export const ROLES = ['owner', 'admin', 'member', 'read_only', 'client'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'organization:read'
  | 'organization:write'
  /** Creating another organization, owned by the token's person: an account-level write. */
  | 'organizations:create'
  | 'members:read'
  | 'members:write'
  | 'sockets:read'
  | 'sockets:write'
  | 'policies:read'
  | 'policies:write'
  | 'connectors:read'
  | 'connectors:write'
  | 'sessions:read'
  | 'sessions:read_own'
  | 'sessions:write'
  | 'tokens:read'
  | 'tokens:write'
  | 'audit:read'
  /** Asking for access decisions and what-ifs: reads policies and the groups of people. */
  | 'access:check'
  /** Reading the organization's CA certificate and SSH CA key: public, what verifiers trust. */
  | 'certificate_authorities:read'
  /**
   * Getting a client certificate (X.509 or SSH) for oneself: what using sockets takes. Not for read_only,
   * which sees everything but uses nothing, and whose requests must change nothing (issuing is audited).
   */
  | 'certificates:issue';

const READ: Permission[] = [
  'organization:read',
  'members:read',
  'sockets:read',
  'policies:read',
  'connectors:read',
  'sessions:read',
  'sessions:read_own',
  'tokens:read',
  'audit:read',
  'access:check',
  'certificate_authorities:read',
];
const WRITE: Permission[] = [
  'organization:write',
  'organizations:create',
  'members:write',
  'sockets:write',
  'policies:write',
  'connectors:write',
  'sessions:write',
  'tokens:write',
];

/** What the roles that use sockets need for it, on top of what they read. */
const USE: Permission[] = ['certificate_authorities:read', 'certificates:issue'];

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set([...READ, ...WRITE, ...USE]),
  admin: new Set([...READ, ...WRITE, ...USE]),
  read_only: new Set(READ),
  member: new Set(['organization:read', 'sockets:read', 'sessions:read_own', ...USE]),
  client: new Set(['organization:read', 'sockets:read', ...USE]),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/** Whether `granter` may give `granted` to someone else (a member, a token, a service account). */
export function canGrant(granter: Role, granted: Role): boolean {
  if (granter === 'owner') return true;
  if (granter === 'admin') return granted !== 'owner';
  return false;
}
