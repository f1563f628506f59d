/**
 * Where to look for the policies that can decide a request, so that a decision reads a handful of policies
 * and not all of an organization's. Built once per set of policies (one policy-data version):
 *
 * - by socket: org-wide policies, policies attached by socket id, and tag rules indexed under one of their
 *   `key=value` pairs (a rule can only match a socket that carries that pair); the policies that apply to a
 *   socket are worked out on its first decision and kept, in policy order, until its tags change;
 * - by identity, among the policies that apply to a socket: policies without `who` (anyone), and those naming
 *   the email, one of the groups or the service account.
 *
 * Every other policy that applies to the socket fails `who` for that identity: it can neither allow the
 * request nor add permissions, which is why deciding over the candidates alone is the same decision.
 */
import { appliesToSocket, type CompiledPolicy } from './compile.js';
import type { SocketInput } from './types.js';

/** Below this many policies on a socket, scanning them all is as fast as looking them up. */
const SCAN_BELOW = 8;
/** Sockets remembered per index; past it the memory is dropped and rebuilt on demand. */
const MAX_SOCKETS = 50_000;

const tagKey = (key: string, value: string) => `${key}\u0000${value}`;

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  // A policy naming the same identity twice is listed once.
  else if (list[list.length - 1] !== value) list.push(value);
}

/** The policies that apply to one socket, with their identity index. */
export class SocketPolicies {
  readonly tags: Record<string, string>;
  /** In the order of the organization's policies. */
  readonly applying: CompiledPolicy[];
  readonly #anyone: number[] = [];
  readonly #byEmail = new Map<string, number[]>();
  readonly #byGroup = new Map<string, number[]>();
  readonly #byServiceAccount = new Map<string, number[]>();

  constructor(tags: Record<string, string>, applying: CompiledPolicy[]) {
    this.tags = tags;
    this.applying = applying;
    if (applying.length < SCAN_BELOW) return;
    for (const [position, { who }] of applying.entries()) {
      if (!who) {
        this.#anyone.push(position);
        continue;
      }
      for (const email of who.emails) push(this.#byEmail, email, position);
      for (const group of who.groups) push(this.#byGroup, group, position);
      for (const account of who.serviceAccounts) push(this.#byServiceAccount, account, position);
    }
  }

  /**
   * The policies an identity can match on this socket, in policy order: those for anyone and those naming
   * the (lower-cased) email, the service account or one of the groups.
   */
  candidates(email: string | undefined, groups: readonly string[], serviceAccount: string | undefined) {
    if (this.applying.length < SCAN_BELOW) return this.applying;
    const lists: number[][] = [];
    if (this.#anyone.length > 0) lists.push(this.#anyone);
    const add = (list: number[] | undefined) => list && lists.push(list);
    if (email !== undefined) add(this.#byEmail.get(email));
    if (serviceAccount !== undefined) add(this.#byServiceAccount.get(serviceAccount));
    for (const group of groups) add(this.#byGroup.get(group));
    if (lists.length === 0) return [];
    let positions = lists[0]!;
    if (lists.length > 1) {
      const merged = lists.flat().sort((a, b) => a - b);
      positions = merged.filter((p, i) => i === 0 || p !== merged[i - 1]);
    }
    return positions.map((p) => this.applying[p]!);
  }
}

const sameTags = (a: Record<string, string>, b: Record<string, string>) => {
  if (a === b) return true;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
};

export class PolicyIndex {
  readonly policies: readonly CompiledPolicy[];
  readonly #orgWide: number[] = [];
  readonly #bySocketId = new Map<string, number[]>();
  /** Tag rules under their first `key=value` pair: the policy's position and the rule. */
  readonly #byTag = new Map<string, { position: number; rule: [string, string][] }[]>();
  readonly #sockets = new Map<string, SocketPolicies>();

  constructor(policies: readonly CompiledPolicy[]) {
    this.policies = policies;
    for (const [position, policy] of policies.entries()) {
      const { orgWide, socketIds, tagRules } = policy.targets;
      if (orgWide) {
        this.#orgWide.push(position);
        continue;
      }
      for (const id of socketIds) push(this.#bySocketId, id, position);
      for (const rule of tagRules) {
        const [key, value] = rule[0]!;
        const entries = this.#byTag.get(tagKey(key, value));
        if (entries) entries.push({ position, rule });
        else this.#byTag.set(tagKey(key, value), [{ position, rule }]);
      }
    }
  }

  /** The policies that apply to the socket (org-wide, by id, by a tag rule it matches), in policy order. */
  forSocket(socket: SocketInput): SocketPolicies {
    const known = this.#sockets.get(socket.id);
    if (known && sameTags(known.tags, socket.tags)) return known;
    const positions = new Set<number>(this.#orgWide);
    for (const position of this.#bySocketId.get(socket.id) ?? []) positions.add(position);
    for (const [key, value] of Object.entries(socket.tags)) {
      for (const { position, rule } of this.#byTag.get(tagKey(key, value)) ?? []) {
        if (!positions.has(position) && rule.every(([k, v]) => socket.tags[k] === v)) positions.add(position);
      }
    }
    const applying = [...positions].sort((a, b) => a - b).map((p) => this.policies[p]!);
    const entry = new SocketPolicies({ ...socket.tags }, applying);
    if (this.#sockets.size >= MAX_SOCKETS) this.#sockets.clear();
    this.#sockets.set(socket.id, entry);
    return entry;
  }

  /** The same answer as `forSocket(socket).applying`, by checking every policy: the reference. */
  scan(socket: SocketInput): CompiledPolicy[] {
    return this.policies.filter((policy) => appliesToSocket(policy, socket));
  }
}
