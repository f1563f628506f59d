/**
 * @border0/sdk/policy: the policy engine (pure: no I/O), the one schema of the policy document, and the IP
 * and time helpers it is built on. The server decides with it; integrators can decide offline with it.
 */
export { appliesToSocket, type CompiledPolicy, compilePolicy } from './compile.js';
export { decide, decideWith, PolicyEngine } from './decide.js';
export * from './document.js';
export { type IpAddress, type IpRange, isIpOrCidr, parseCidr, parseIp, rangeContains } from './ip.js';
export {
  OrganizationAccess,
  type OrganizationPolicyData,
  SOCKET_ROLES,
  type Standing,
  standingFrom,
  withoutStanding,
} from './organization-access.js';
export { inDailyWindow, isTimeZone, minuteOfDay, parseTimeOfDay, type TimeOfDay } from './time-of-day.js';
export type * from './types.js';
