/** What the policy engine reads (policies, a socket, a request) and what it answers (a decision). */
import type { PolicyDocumentValue, QueryType } from './document.js';

export type SocketType = 'http' | 'ssh' | 'database' | 'tls';

/** A policy as the API returns it: the document and what it is attached to. */
export interface PolicyInput {
  id: string;
  name: string;
  document: PolicyDocumentValue;
  org_wide: boolean;
  tag_rules: Record<string, string>[];
  socket_ids: string[];
}

export interface SocketInput {
  id: string;
  socket_type: SocketType;
  tags: Record<string, string>;
}

export interface Identity {
  email?: string | undefined;
  /** Ids of the groups the person belongs to. */
  groups?: string[] | undefined;
  service_account?: string | undefined;
}

/**
 * What the identity wants to do. `connect` asks whether the identity may open a session at all; the data
 * plane then asks again for each channel (ssh) or statement (database).
 */
export type AccessAction =
  | { type: 'ssh'; kind: 'connect' | 'shell' | 'sftp' | 'agent_forwarding'; username?: string | undefined }
  | { type: 'ssh'; kind: 'exec'; command: string; username?: string | undefined }
  | {
      type: 'ssh';
      kind: 'tcp_forwarding';
      destination_address: string;
      destination_port: number;
      username?: string | undefined;
    }
  | { type: 'database'; database?: string | undefined; query_type?: Exclude<QueryType, 'all'> | undefined }
  | { type: 'http' }
  | { type: 'tls' };

export interface AccessRequest {
  identity: Identity;
  action: AccessAction;
  /** The client's address; a policy with `allowed_ip` denies a request without one. */
  ip?: string | undefined;
  /** ISO 3166-1 alpha-2 of the client's address; null when unknown (private or loopback addresses). */
  country?: string | null | undefined;
  /** When the request is made; now when absent. */
  time?: Date | string | undefined;
}

export type FailedCondition = 'who' | 'where' | 'when' | 'permission';

export interface PolicyVerdict {
  policy_id: string;
  policy_name: string;
  matched: boolean;
  /** The first condition that failed, when the policy did not match. */
  failed?: FailedCondition;
  /** In words a person understands. */
  reason: string;
}

export interface TcpDestination {
  destination_address: string;
  destination_port: string;
}

/** The union of what the matching policies allow on this socket; null lists mean "any". */
export interface EffectivePermissions {
  socket_type: SocketType;
  ssh?: {
    shell: boolean;
    exec: { allowed: boolean; commands: string[] | null };
    sftp: boolean;
    tcp_forwarding: { allowed: boolean; allowed_connections: TcpDestination[] | null };
    agent_forwarding: boolean;
    allowed_usernames: string[] | null;
  };
  database?: {
    allowed_databases: { database: string; allowed_query_types: QueryType[] }[] | null;
  };
  /** The smallest limit among the matching policies; null when none sets one. */
  max_session_duration_seconds: number | null;
}

export interface Decision {
  allowed: boolean;
  /** One sentence: which policy allowed it, or why nothing did. */
  reason: string;
  /** What the identity may do on the socket; null when no policy matches. */
  permissions: EffectivePermissions | null;
  /** One verdict per policy that applies to the socket. */
  explanation: PolicyVerdict[];
}
