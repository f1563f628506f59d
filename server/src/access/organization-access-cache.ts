/**
 * The access checks' OrganizationAccess per organization, kept while its policy data keeps the same version
 * (a digest of the content): the policies are compiled and indexed once per version, not once per check.
 */
import { OrganizationAccess, type OrganizationPolicyData } from '@border0/sdk/policy';

/** Organizations remembered; the one used least recently is dropped first. */
const MAX_ORGANIZATIONS = 256;

export class OrganizationAccessCache {
  readonly #entries = new Map<string, { version: string; access: OrganizationAccess }>();

  /** The access for this policy data: the cached one when the version is the same, else a new one. */
  accessFor(data: OrganizationPolicyData & { organization_id: string; version: string }): OrganizationAccess {
    const cached = this.#entries.get(data.organization_id);
    this.#entries.delete(data.organization_id);
    const entry =
      cached?.version === data.version
        ? cached
        : { version: data.version, access: new OrganizationAccess(data) };
    if (this.#entries.size >= MAX_ORGANIZATIONS) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(data.organization_id, entry);
    return entry.access;
  }
}
