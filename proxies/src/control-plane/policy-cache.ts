/**
 * Each organization's policies and the standing of its identities (who may use sockets now, with their
 * groups), fetched through the SDK and decided on locally with the SDK's OrganizationAccess. Kept fresh by
 * change events: data is known current while the event stream that followed its fetch is live. Once the
 * stream is down, data last known current more than `maxAgeMs` ago is fetched again, and when that fails,
 * decisions fail closed.
 */
import type { Border0Client } from '@border0/sdk';
import {
  type AccessRequest,
  type Decision,
  OrganizationAccess,
  type OrganizationPolicyData,
  type SocketInput,
} from '@border0/sdk/policy';
import { withDeadline } from './deadline.js';

interface OrganizationPolicies {
  access: OrganizationAccess;
  fetchedAt: number;
  /** Fetched while change events were arriving: current for as long as they kept arriving. */
  followedByEvents: boolean;
  version: string;
}

/** A fetch of policy data that takes longer fails: a black-holed control plane cannot hold a decision. */
const FETCH_TIMEOUT_MS = 10_000;

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
  /** When the event stream last went down. */
  #eventsLostAt = 0;

  constructor(options: PolicyCacheOptions) {
    this.#client = options.client;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  setEventsLive(live: boolean): void {
    if (this.#eventsLive && !live) this.#eventsLostAt = this.#now();
    this.#eventsLive = live;
  }

  get eventsLive(): boolean {
    return this.#eventsLive;
  }

  get maxAgeMs(): number {
    return this.#maxAgeMs;
  }

  /** Drops an organization's data (a change event), or everything (a new event stream). */
  invalidate(organizationId?: string): void {
    if (organizationId === undefined) this.#organizations.clear();
    else this.#organizations.delete(organizationId);
  }

  async #load(organizationId: string): Promise<OrganizationPolicies> {
    const followedByEvents = this.#eventsLive;
    const data = await withDeadline(
      (signal) =>
        this.#client.get('/api/v1/proxy/organizations/{organization_id}/policy-data', {
          params: { path: { organization_id: organizationId } },
          signal,
        }),
      FETCH_TIMEOUT_MS,
      'policy data',
    );
    return {
      access: new OrganizationAccess(data as OrganizationPolicyData),
      fetchedAt: this.#now(),
      followedByEvents,
      version: data.version,
    };
  }

  /** How long ago the data was last known current. */
  #age(policies: OrganizationPolicies): number {
    if (this.#eventsLive) return 0;
    const currentAt = policies.followedByEvents
      ? Math.max(policies.fetchedAt, this.#eventsLostAt)
      : policies.fetchedAt;
    return this.#now() - currentAt;
  }

  async #current(organizationId: string): Promise<OrganizationPolicies> {
    let entry = this.#organizations.get(organizationId);
    if (entry) {
      const cached = await entry.catch(() => undefined);
      const stale = !cached || this.#age(cached) > this.#maxAgeMs;
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
   * Whether a decision can be made for the organization: its data is recent enough, or could be fetched
   * now. False means every decision for it now fails closed.
   */
  async available(organizationId: string): Promise<boolean> {
    return this.#current(organizationId).then(
      () => true,
      () => false,
    );
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
