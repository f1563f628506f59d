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
  | 'access:check';

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

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set([...READ, ...WRITE]),
  admin: new Set([...READ, ...WRITE]),
  read_only: new Set(READ),
  member: new Set(['organization:read', 'sockets:read', 'sessions:read_own']),
  client: new Set(['organization:read', 'sockets:read']),
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
