/** @border0/sdk: the typed client of the Border0 API, and the pure helpers clients share. */
export {
  type AuditVerification,
  auditEntryHash,
  type ChainedAuditEntry,
  canonicalJson,
  GENESIS_HASH,
  verifyAuditChain,
} from './audit-chain.js';
