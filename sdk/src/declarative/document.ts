/**
 * The resources document of declarative automation: top-level lists `sockets`, `policies`, `connectors`,
 * `groups`, `members` and `service_accounts`, each entry in the words of the API's create body. Resources are
 * named by `name` (members by `email`); a socket names its connectors and a policy its sockets by name, and a
 * group its members by email, so that one file applies to any organization.
 *
 * Validation is shallow on purpose where the server checks deeply (a socket's upstream, a policy's document):
 * it catches what only the file can get wrong (unknown keys, duplicates, literal secrets) with the path of
 * the bad field, e.g. `sockets[1].socket_type`.
 */
import { z } from 'zod';
import { isSecretReference, SECRET_FIELDS, secretReference } from './secret-reference.js';

const Name = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be lowercase letters, digits and inner dashes')
  .max(63);
const Description = z.string().max(2000);
const Role = z.enum(['owner', 'admin', 'member', 'read_only']);
const Tags = z.record(z.string(), z.string().max(255));
/** The API's rule (browsers'): a one-label domain such as `admin@localhost` is an address. */
const Email = z.email({ pattern: z.regexes.html5Email }).max(254);

const Upstream = z
  .looseObject({ type: z.enum(['http', 'ssh', 'database', 'tls']) })
  .superRefine((upstream, ctx) => {
    for (const field of SECRET_FIELDS) {
      const value = upstream[field];
      if (value !== undefined && !isSecretReference(value)) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `write a reference such as ${secretReference('NAME')}, never the secret itself`,
        });
      }
    }
  });

export const SocketEntry = z
  .strictObject({
    name: Name,
    display_name: z.string().max(200).optional(),
    description: Description.optional(),
    socket_type: z.enum(['http', 'ssh', 'database', 'tls']),
    tags: Tags.optional(),
    recording_enabled: z.boolean().optional(),
    recording_input_enabled: z.boolean().optional(),
    /** The connectors that reach the upstream, by name (the API's `connector_ids`). */
    connectors: z.array(Name).max(50).optional(),
    upstream_configuration: Upstream,
  })
  .superRefine((socket, ctx) => {
    if (socket.upstream_configuration.type !== socket.socket_type) {
      ctx.addIssue({
        code: 'custom',
        path: ['upstream_configuration', 'type'],
        message: `must be the socket_type (${socket.socket_type})`,
      });
    }
  });

export const PolicyEntry = z.strictObject({
  name: Name,
  description: Description.optional(),
  version: z.literal('v2').optional(),
  document: z.looseObject({ permissions: z.record(z.string(), z.unknown()), condition: z.unknown() }),
  org_wide: z.boolean().optional(),
  tag_rules: z.array(Tags).max(50).optional(),
  /** The sockets the policy is attached to, by name. */
  sockets: z.array(Name).max(500).optional(),
});

export const ConnectorEntry = z.strictObject({ name: Name, description: Description.optional() });

export const GroupEntry = z.strictObject({
  name: Name,
  description: Description.optional(),
  /** The group's members, by email: members of the organization. */
  members: z.array(Email).optional(),
});

export const MemberEntry = z.strictObject({ email: Email, role: Role });

export const ServiceAccountEntry = z.strictObject({
  name: Name,
  description: Description.optional(),
  role: Role,
});

export const ResourcesDocument = z.strictObject({
  sockets: z.array(SocketEntry).optional(),
  policies: z.array(PolicyEntry).optional(),
  connectors: z.array(ConnectorEntry).optional(),
  groups: z.array(GroupEntry).optional(),
  members: z.array(MemberEntry).optional(),
  service_accounts: z.array(ServiceAccountEntry).optional(),
});

export type SocketEntry = z.infer<typeof SocketEntry>;
export type PolicyEntry = z.infer<typeof PolicyEntry>;
export type ConnectorEntry = z.infer<typeof ConnectorEntry>;
export type GroupEntry = z.infer<typeof GroupEntry>;
export type MemberEntry = z.infer<typeof MemberEntry>;
export type ServiceAccountEntry = z.infer<typeof ServiceAccountEntry>;
export type ResourcesDocument = z.infer<typeof ResourcesDocument>;

/** One bad field of a resources document, by its path: `sockets[1].socket_type`. */
export interface DocumentProblem {
  path: string;
  message: string;
}

/** A resources document that is not valid: every bad field, each with its path. */
export class DocumentError extends Error {
  override readonly name = 'DocumentError';
  constructor(readonly problems: DocumentProblem[]) {
    super(problems.map((p) => `${p.path || '(document)'}: ${p.message}`).join('; '));
  }
}

/** `['sockets', 1, 'socket_type']` → `sockets[1].socket_type`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/**
 * Checks a parsed YAML or JSON value as a resources document: the document, or a `DocumentError` naming each
 * bad field. Names are unique within each list, and a list entry's references (a group's members) are
 * checked only for form: they may name resources the file does not manage.
 *
 * @example
 * const document = parseDocument(YAML.parse(readFileSync('resources.yaml', 'utf8')));
 */
export function parseDocument(value: unknown): ResourcesDocument {
  const parsed = ResourcesDocument.safeParse(value ?? {});
  if (!parsed.success) {
    throw new DocumentError(
      parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message:
          issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message,
      })),
    );
  }
  const problems: DocumentProblem[] = [];
  const document = parsed.data;
  for (const list of ['sockets', 'policies', 'connectors', 'groups', 'service_accounts'] as const) {
    duplicates(
      document[list]?.map((entry) => entry.name),
      list,
      'name',
      problems,
    );
  }
  duplicates(
    document.members?.map((m) => m.email.toLowerCase()),
    'members',
    'email',
    problems,
  );
  if (problems.length > 0) throw new DocumentError(problems);
  return document;
}

function duplicates(
  keys: string[] | undefined,
  list: string,
  field: string,
  problems: DocumentProblem[],
): void {
  const seen = new Map<string, number>();
  keys?.forEach((key, index) => {
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      problems.push({ path: `${list}[${index}].${field}`, message: `${key} is already ${list}[${first}]` });
  });
}
