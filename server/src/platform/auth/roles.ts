/**
 * Roles and what each may do, as sets of rights. Every route names the permission it needs; default deny. A
 * token's rights are the intersection of what its role grants and what its holder's current role grants:
 * roles are sets, not ranks (`read_only` sees more than `member` but uses nothing).
 */
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
  | 'certificates:issue'
  /** Making, changing and removing owners, and setting their passwords: what an owner has over an admin. */
  | 'owners:manage';

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
  owner: new Set([...READ, ...WRITE, ...USE, 'owners:manage']),
  admin: new Set([...READ, ...WRITE, ...USE]),
  read_only: new Set(READ),
  member: new Set(['organization:read', 'sockets:read', 'sessions:read_own', ...USE]),
  client: new Set(['organization:read', 'sockets:read', ...USE]),
};

export type Rights = ReadonlySet<Permission>;

export function rightsOf(role: Role): Rights {
  return GRANTS[role];
}

/** What both sets allow: a token never does more than its role, nor more than its holder may do now. */
export function intersectRights(a: Rights, b: Rights): Rights {
  return new Set([...a].filter((permission) => b.has(permission)));
}

/**
 * How to name what a token acts as: the narrower of its own role and its holder's when one contains the other
 * (an owner's admin token acts as admin; a member token of a person demoted to client acts as client), else the
 * token's own. A name only: `intersectRights` decides.
 */
export function actingRole(tokenRole: Role, holderRole: Role): Role {
  if (canGrant(GRANTS[holderRole], tokenRole)) return tokenRole;
  if (canGrant(GRANTS[tokenRole], holderRole)) return holderRole;
  return tokenRole;
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

/**
 * Whether a holder of `rights` may give `granted` to someone else (a member, a token, a service account): only
 * a role whose every right the granter holds, so nobody hands out more than they have.
 */
export function canGrant(rights: Rights, granted: Role): boolean {
  for (const permission of GRANTS[granted]) if (!rights.has(permission)) return false;
  return true;
}
