import { SOCKET_ROLES } from '@border0/sdk/policy';
import { describe, expect, it } from 'vitest';
import { actingRole, canGrant, intersectRights, ROLES, rightsOf, roleAllows } from './roles.js';

describe('roles as sets of rights', () => {
  it('gives sockets to exactly the roles the policy engine grants standing to', () => {
    for (const role of ROLES)
      expect(SOCKET_ROLES.has(role), role).toBe(roleAllows(role, 'certificates:issue'));
  });

  it('is not a ranking: read_only and member each hold a right the other lacks', () => {
    expect(roleAllows('read_only', 'audit:read')).toBe(true);
    expect(roleAllows('member', 'audit:read')).toBe(false);
    expect(roleAllows('member', 'certificates:issue')).toBe(true);
    expect(roleAllows('read_only', 'certificates:issue')).toBe(false);
    const both = intersectRights(rightsOf('member'), rightsOf('read_only'));
    expect(both.has('certificates:issue')).toBe(false);
    expect(both.has('audit:read')).toBe(false);
    expect(both.has('sockets:read')).toBe(true);
  });

  it('lets a holder grant only roles whose every right it holds', () => {
    expect(canGrant(rightsOf('owner'), 'owner')).toBe(true);
    expect(canGrant(rightsOf('admin'), 'owner')).toBe(false);
    expect(canGrant(rightsOf('admin'), 'admin')).toBe(true);
    expect(canGrant(rightsOf('read_only'), 'member')).toBe(false);
    expect(canGrant(intersectRights(rightsOf('admin'), rightsOf('read_only')), 'read_only')).toBe(true);
  });

  it('names what a token acts as: the narrower role, when one contains the other', () => {
    expect(actingRole('admin', 'owner')).toBe('admin');
    expect(actingRole('owner', 'admin')).toBe('admin');
    expect(actingRole('member', 'read_only')).toBe('member');
  });
});
