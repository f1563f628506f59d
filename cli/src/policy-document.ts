/**
 * Policy documents for `border0 policy create|update`: read from a JSON or YAML file, or built from flags for
 * the common case (these socket types, for these people, from these networks). Pure.
 */
import type { Schema } from '@border0/sdk';
import { parse } from 'yaml';
import { UsageError } from './errors.js';
import { parseKeyValues, splitList } from './options.js';

export type PolicyDocument = Schema<'PolicyDocument'>;

export interface DocumentFlags {
  allow?: string[] | undefined;
  email?: string[] | undefined;
  /** Group ids (names are resolved to ids before building). */
  group?: string[] | undefined;
  serviceAccount?: string[] | undefined;
  ip?: string[] | undefined;
}

/** Whether any flag that shapes the document was given (which then replaces the whole document). */
export function hasDocumentFlags(flags: DocumentFlags): boolean {
  return [flags.allow, flags.email, flags.group, flags.serviceAccount, flags.ip].some((v) => v !== undefined);
}

const PERMISSIONS: Record<string, Partial<Schema<'PolicyPermissions'>>> = {
  // Allowing "ssh" from the command line means a working login: shell, commands, file copy and forwarding.
  ssh: { ssh: { shell: {}, exec: {}, sftp: {}, tcp_forwarding: {} } },
  // No allowed_databases: every database, every query type.
  database: { database: {} },
  http: { http: {} },
  tls: { tls: {} },
};

export function buildPolicyDocument(flags: DocumentFlags): PolicyDocument {
  const allow = splitList(flags.allow);
  if (allow.length === 0) {
    throw new UsageError('a policy needs --file or --allow (ssh, database, http, tls)');
  }
  const permissions: Schema<'PolicyPermissions'> = {};
  for (const type of allow) {
    const granted = PERMISSIONS[type];
    if (!granted)
      throw new UsageError(`--allow takes ssh, database, http or tls, not ${JSON.stringify(type)}`);
    Object.assign(permissions, granted);
  }
  const list = (values: string[] | undefined) => {
    const items = splitList(values);
    return items.length > 0 ? items : undefined;
  };
  const email = list(flags.email);
  const group = list(flags.group);
  const serviceAccount = list(flags.serviceAccount);
  const allowedIp = list(flags.ip);
  const who: Schema<'PolicyWho'> = {
    ...(email && { email }),
    ...(group && { group }),
    ...(serviceAccount && { service_account: serviceAccount }),
  };
  return {
    permissions,
    condition: {
      ...(Object.keys(who).length > 0 && { who }),
      ...(allowedIp && { where: { allowed_ip: allowedIp } }),
    },
  };
}

/** A document from a file's text; JSON is YAML too. The server validates the content. */
export function parsePolicyDocument(text: string, file: string): PolicyDocument {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new UsageError(`${file} is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${file} must hold a policy document: { permissions, condition }`);
  }
  return value as PolicyDocument;
}

/** `--tag-rule env=prod,team=web`: one map per flag, sockets must carry all its tags. */
export function parseTagRules(rules: string[] | undefined): Schema<'Tags'>[] | undefined {
  return rules?.map((rule) => parseKeyValues(splitList([rule]), '--tag-rule'));
}

/** Which socket types a document allows, for tables. */
export function allowedTypes(document: PolicyDocument): string[] {
  return Object.keys(document.permissions ?? {});
}

/** Who a document names, for tables, with group ids shown as names when they are known. */
export function whoOf(
  document: PolicyDocument,
  groupNames: ReadonlyMap<string, string> = new Map(),
): string[] {
  const who = document.condition?.who ?? {};
  return [
    ...(who.email ?? []),
    ...(who.group ?? []).map((g) => `group:${groupNames.get(g) ?? g}`),
    ...(who.service_account ?? []).map((s) => `sa:${s}`),
  ];
}
