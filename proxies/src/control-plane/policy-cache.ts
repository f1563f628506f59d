/**
 * Each organization's policies and the standing of its identities (who may use sockets now, with their
 * groups), fetched through the SDK and decided on locally with the SDK's OrganizationAccess. Kept fresh by
 * change events; when the data is older than `maxAgeMs` while the event stream is down, decisions fail
 * closed.
 */
import type { Border0Client } from '@border0/sdk';
import {
  type AccessRequest,
  type Decision,
  OrganizationAccess,
  type OrganizationPolicyData,
  type SocketInput,
} from '@border0/sdk/policy';

interface OrganizationPolicies {
  access: OrganizationAccess;
  fetchedAt: number;
  version: string;
}

export interface PolicyCacheOptions {
  client: Border0Client;
  /** How old policy data may be while change events are not arriving (default 60 s). */
  maxAgeMs?: number | undefined;
  now?: () => number;
}

export class PolicyCache {
  readonly #organizations = new Map<string, Promise<OrganizationPolicies>>();
  readonly #client: Border0Client;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  /** While change events arrive, cached data is known to be current whatever its age. */
  #eventsLive = false;

  constructor(options: PolicyCacheOptions) {
    this.#client = options.client;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  setEventsLive(live: boolean): void {
    this.#eventsLive = live;
  }

  /** Drops an organization's data (a change event), or everything (a new event stream). */
  invalidate(organizationId?: string): void {
    if (organizationId === undefined) this.#organizations.clear();
    else this.#organizations.delete(organizationId);
  }

  async #load(organizationId: string): Promise<OrganizationPolicies> {
    const data = await this.#client.get('/api/v1/proxy/organizations/{organization_id}/policy-data', {
      params: { path: { organization_id: organizationId } },
    });
    return {
      access: new OrganizationAccess(data as OrganizationPolicyData),
      fetchedAt: this.#now(),
      version: data.version,
    };
  }

  async #current(organizationId: string): Promise<OrganizationPolicies> {
    let entry = this.#organizations.get(organizationId);
    if (entry) {
      const cached = await entry.catch(() => undefined);
      const stale = !cached || (!this.#eventsLive && this.#now() - cached.fetchedAt > this.#maxAgeMs);
      if (!stale) return cached;
      this.#organizations.delete(organizationId);
    }
    entry = this.#load(organizationId);
    this.#organizations.set(organizationId, entry);
    // A failed fetch is not remembered: the next decision asks again.
    entry.catch(() => this.#organizations.delete(organizationId));
    return entry;
  }

  /**
   * Decides with the organization's current policies and the identity's current standing (a removed,
   * demoted or deleted identity is denied whatever its certificate says). When they cannot be had (the
   * control plane is unreachable and the cache is too old), the decision is a denial that says so: fail
   * closed.
   */
  async decide(organizationId: string, socket: SocketInput, request: AccessRequest): Promise<Decision> {
    let policies: OrganizationPolicies;
    try {
      policies = await this.#current(organizationId);
    } catch (error) {
      return {
        allowed: false,
        reason: `denied: policies could not be fetched (${(error as Error).message}); failing closed`,
        permissions: null,
        explanation: [],
      };
    }
    return policies.access.decide(socket, request);
  }
}
