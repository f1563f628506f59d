/**
 * @border0/sdk/declarative: Terraform-style automation over the API. A resources document (the API's own
 * words: `sockets`, `policies`, `connectors`, `groups`, `members`, `service_accounts`) is planned against an
 * organization, applied with optimistic concurrency, and exported from one.
 *
 * @example
 * import { apply, parseDocument, plan } from '@border0/sdk/declarative';
 * const document = parseDocument(YAML.parse(readFileSync('resources.yaml', 'utf8')));
 * const changes = await plan(b0, document);
 * const result = await apply(b0, changes);
 */
export { type ApplyFailure, type ApplyOptions, type ApplyResult, apply } from './apply.js';
export { deepEqual, diffEntry, type FieldDiff } from './diff.js';
export {
  type ConnectorEntry,
  DocumentError,
  type DocumentProblem,
  type GroupEntry,
  type MemberEntry,
  type PolicyEntry,
  parseDocument,
  type ResourcesDocument,
  type ServiceAccountEntry,
  type SocketEntry,
} from './document.js';
export { exportDocument, secretVariables } from './export-document.js';
export {
  type DeclarativeState,
  type ManagedRecord,
  type Plan,
  type PlannedChange,
  type PlanOptions,
  plan,
} from './plan.js';
export { KINDS, type Kind } from './resource-kinds.js';
export { isSecretReference, secretReference } from './secret-reference.js';
