/**
 * Where to look for the policies that can decide a request, so that a decision reads a handful of policies
 * and not all of an organization's. Built once per set of policies (one policy-data version):
 *
 * - by socket: org-wide policies, policies attached by socket id, and tag rules indexed under one of their
 *   `key=value` pairs (a rule can only match a socket that carries that pair); the policies that apply to a
 *   socket are worked out on its first decision and kept, in policy order, until its tags change;
 * - by identity, among the policies that apply to a socket and have permissions for its type: policies
 *   without `who` (anyone), and those naming the email, one of the groups or the service account.
 *
 * Every other policy that applies to the socket fails `who` for that identity, or allows nothing on this type
 * of socket: it can neither allow the request nor add permissions, which is why deciding over the candidates
 * alone is the same decision.
 */
import { appliesToSocket, type CompiledPolicy } from './compile.js';
import type { SocketInput, SocketType } from './types.js';

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
  readonly socketType: SocketType;
  readonly tags: Record<string, string>;
  /** In the order of the organization's policies. */
  readonly applying: CompiledPolicy[];
  readonly #anyone: number[] = [];
  readonly #byEmail = new Map<string, number[]>();
  readonly #byGroup = new Map<string, number[]>();
  readonly #byServiceAccount = new Map<string, number[]>();
  readonly #lists = new Map<number[], CompiledPolicy[]>();

  constructor(socketType: SocketType, tags: Record<string, string>, applying: CompiledPolicy[]) {
    this.socketType = socketType;
    this.tags = tags;
    this.applying = applying;
    if (applying.length < SCAN_BELOW) return;
    for (const [position, { who, permissions }] of applying.entries()) {
      // A policy without permissions for this type of socket neither allows nor grants anything here.
      if (!permissions[socketType]) continue;
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
    const named = email === undefined ? undefined : this.#byEmail.get(email);
    if (named) lists.push(named);
    const account = serviceAccount === undefined ? undefined : this.#byServiceAccount.get(serviceAccount);
    if (account) lists.push(account);
    for (const group of groups) {
      const members = this.#byGroup.get(group);
      if (members) lists.push(members);
    }
    if (lists.length === 0) return [];
    if (lists.length === 1) return this.#policiesAt(lists[0]!);
    // A merge of a few short sorted lists, without duplicates: what policy order asks for.
    const merged: CompiledPolicy[] = [];
    const next = new Array<number>(lists.length).fill(0);
    for (;;) {
      let lowest = -1;
      for (let i = 0; i < lists.length; i++) {
        const position = lists[i]![next[i]!];
        if (position !== undefined && (lowest === -1 || position < lowest)) lowest = position;
      }
      if (lowest === -1) return merged;
      merged.push(this.applying[lowest]!);
      for (let i = 0; i < lists.length; i++) if (lists[i]![next[i]!] === lowest) next[i]!++;
    }
  }

  /** The policies at these positions, made once per list. */
  #policiesAt(positions: number[]): CompiledPolicy[] {
    let policies = this.#lists.get(positions);
    if (!policies) {
      policies = positions.map((p) => this.applying[p]!);
      this.#lists.set(positions, policies);
    }
    return policies;
  }
}

/** Whether two tag sets are equal, without allocating: this runs on every decision. */
function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  if (a === b) return true;
  let count = 0;
  for (const key in a) {
    if (!Object.hasOwn(b, key) || a[key] !== b[key]) return false;
    count++;
  }
  for (const key in b) if (Object.hasOwn(b, key)) count--;
  return count === 0;
}

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
    if (known && known.socketType === socket.socket_type && sameTags(known.tags, socket.tags)) return known;
    const positions = new Set<number>(this.#orgWide);
    for (const position of this.#bySocketId.get(socket.id) ?? []) positions.add(position);
    for (const [key, value] of Object.entries(socket.tags)) {
      for (const { position, rule } of this.#byTag.get(tagKey(key, value)) ?? []) {
        if (!positions.has(position) && rule.every(([k, v]) => socket.tags[k] === v)) positions.add(position);
      }
    }
    const applying = [...positions].sort((a, b) => a - b).map((p) => this.policies[p]!);
    const entry = new SocketPolicies(socket.socket_type, { ...socket.tags }, applying);
    if (this.#sockets.size >= MAX_SOCKETS) this.#sockets.clear();
    this.#sockets.set(socket.id, entry);
    return entry;
  }

  /** The same answer as `forSocket(socket).applying`, by checking every policy: the reference. */
  scan(socket: SocketInput): CompiledPolicy[] {
    return this.policies.filter((policy) => appliesToSocket(policy, socket));
  }
}
