/** `border0 policy`: who may use which sockets; create from a file or from flags, attach to sockets. */
import { readFileSync } from 'node:fs';
import type { Border0Client, Schema } from '@border0/sdk';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { type Context, contextOf } from './context.js';
import { CliError, UsageError } from './errors.js';
import { isId, repeatable, splitList } from './options.js';
import { type Column, collect, printDone, printItem, printJson, printLine, printList } from './output.js';
import {
  allowedTypes,
  buildPolicyDocument,
  type DocumentFlags,
  hasDocumentFlags,
  type PolicyDocument,
  parsePolicyDocument,
  parseTagRules,
  whoOf,
} from './policy-document.js';
import { registerPolicyTestCommand } from './policy-test.js';
import { visible } from './terminal-text.js';

type Policy = Schema<'Policy'>;

interface PolicyOptions extends DocumentFlags {
  name?: string;
  description?: string;
  file?: string;
  orgWide?: boolean;
  tagRule?: string[];
  socket?: string[];
}

/** Names of the sockets and groups policies refer to by id, so tables can show names. */
interface Names {
  sockets: Map<string, string>;
  groups: Map<string, string>;
}

/** Where a policy applies, with socket ids shown as names when they are known. */
function appliesTo(policy: Policy, names: Names): string[] {
  if (policy.org_wide) return ['org-wide'];
  return [
    ...policy.socket_ids.map((id) => names.sockets.get(id) ?? id),
    ...policy.tag_rules.map(
      (rule) =>
        `tags(${Object.entries(rule)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')})`,
    ),
  ];
}

async function namesOf(ctx: Context): Promise<Names> {
  // JSON output shows ids as the API does; only tables need names.
  if (ctx.output === 'json') return { sockets: new Map(), groups: new Map() };
  const client = ctx.client();
  const [sockets, groups] = await Promise.all([
    collect(client.paginate('/api/v1/sockets')),
    collect(client.paginate('/api/v1/groups')),
  ]);
  return {
    sockets: new Map(sockets.map((s) => [s.id, s.name])),
    groups: new Map(groups.map((g) => [g.id, g.name])),
  };
}

function fieldsOf(names: Names): Column<Policy>[] {
  return [
    ['id', (p) => p.id],
    ['name', (p) => p.name],
    ['description', (p) => p.description],
    ['applies to', (p) => appliesTo(p, names)],
    ['allows', (p) => allowedTypes(p.document)],
    ['who', (p) => whoOf(p.document, names.groups)],
    ['created', (p) => p.created_at],
    ['updated', (p) => p.updated_at],
  ];
}

async function printPolicy(ctx: Context, policy: Policy): Promise<void> {
  printItem(ctx, policy, fieldsOf(await namesOf(ctx)));
  if (ctx.output === 'table') console.log(`document:\n${indent(stringify(policy.document))}`);
}

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${visible(line)}`)
    .join('\n');

/** Groups may be named on the command line; documents hold their ids. */
async function groupIds(client: Border0Client, refs: string[] | undefined): Promise<string[] | undefined> {
  if (refs === undefined) return undefined;
  return Promise.all(
    splitList(refs).map(async (ref) =>
      isId(ref) ? ref : (await client.get('/api/v1/groups/{group}', { params: { path: { group: ref } } })).id,
    ),
  );
}

async function documentOf(ctx: Context, options: PolicyOptions): Promise<PolicyDocument | undefined> {
  if (options.file !== undefined) {
    if (hasDocumentFlags(options))
      throw new UsageError('give --file or document flags (--allow, --email...), not both');
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    return parsePolicyDocument(text, options.file);
  }
  if (!hasDocumentFlags(options)) return undefined;
  return buildPolicyDocument({ ...options, group: await groupIds(ctx.client(), options.group) });
}

function withPolicyFlags(command: Command): Command {
  return command
    .option('--description <text>', 'what the policy is for')
    .option('--file <path>', 'the policy document, JSON or YAML: { permissions, condition }')
    .option('--allow <types>', 'socket types to allow: ssh,database,http,tls (instead of --file)', repeatable)
    .option('--email <address>', 'allow this person (repeatable, or comma-separated)', repeatable)
    .option('--group <id-or-name>', 'allow the members of this group (repeatable)', repeatable)
    .option('--service-account <name>', 'allow this service account (repeatable)', repeatable)
    .option('--ip <cidr>', 'allow only from these addresses (repeatable)', repeatable)
    .option(
      '--tag-rule <k=v,...>',
      'apply to sockets having all these tags (repeatable: any rule)',
      repeatable,
    )
    .option('--socket <socket>', 'apply to this socket, by name or id (repeatable)', repeatable);
}

export function registerPolicyCommands(program: Command): void {
  const group = program
    .command('policy')
    .description('Policies: who may use which sockets, from where, when');

  group
    .command('ls')
    .description('List policies')
    .option('--socket <socket>', 'only policies that apply to this socket (org-wide, attached or by tag)')
    .option('--search <text>', 'only policies whose name or description contains this')
    .action(async (options: { socket?: string; search?: string }, command: Command) => {
      const ctx = contextOf(command);
      const policies = await collect(
        ctx.client().paginate('/api/v1/policies', { params: { query: options } }),
      );
      const names = policies.length > 0 ? await namesOf(ctx) : { sockets: new Map(), groups: new Map() };
      await printList(ctx, policies, [
        ['NAME', (p) => p.name],
        ['APPLIES TO', (p) => appliesTo(p, names)],
        ['ALLOWS', (p) => allowedTypes(p.document)],
        ['WHO', (p) => whoOf(p.document, names.groups)],
        ['DESCRIPTION', (p) => p.description],
      ]);
    });

  group
    .command('show <policy>')
    .description('Show a policy and its document')
    .action(async (policy: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const found = await ctx.client().get('/api/v1/policies/{policy}', { params: { path: { policy } } });
      await printPolicy(ctx, found);
    });

  withPolicyFlags(
    group
      .command('create')
      .description('Create a policy, e.g. --name web-team --allow http --email alice@acme.dev --socket web')
      .requiredOption('--name <name>', 'a DNS label')
      .option('--org-wide', 'apply to every socket of the organization'),
  ).action(async (options: PolicyOptions & { name: string }, command: Command) => {
    const ctx = contextOf(command);
    const document = (await documentOf(ctx, options)) ?? buildPolicyDocument(options);
    const tagRules = parseTagRules(options.tagRule);
    const created = await ctx.client().post('/api/v1/policies', {
      body: {
        name: options.name,
        document,
        org_wide: options.orgWide ?? false,
        ...(options.description !== undefined && { description: options.description }),
        ...(tagRules && { tag_rules: tagRules }),
        ...(options.socket && { sockets: options.socket }),
      },
    });
    await printPolicy(ctx, created);
  });

  withPolicyFlags(
    group
      .command('update <policy>')
      .description(
        'Change a policy; --file or document flags replace the whole document, --socket all sockets',
      )
      .option('--name <name>', 'a new name')
      .option('--org-wide', 'apply to every socket')
      .option('--no-org-wide', 'apply only to attached sockets and tag rules'),
  ).action(async (policy: string, options: PolicyOptions, command: Command) => {
    const ctx = contextOf(command);
    const document = await documentOf(ctx, options);
    const tagRules = parseTagRules(options.tagRule);
    const body = {
      ...(options.name !== undefined && { name: options.name }),
      ...(options.description !== undefined && { description: options.description }),
      ...(document && { document }),
      ...(options.orgWide !== undefined && { org_wide: options.orgWide }),
      ...(tagRules && { tag_rules: tagRules }),
      ...(options.socket && { sockets: options.socket }),
    };
    if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give at least one flag');
    const updated = await ctx
      .client()
      .patch('/api/v1/policies/{policy}', { params: { path: { policy } }, body });
    await printPolicy(ctx, updated);
  });

  group
    .command('delete <policy>')
    .alias('rm')
    .description('Delete a policy')
    .action(async (policy: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/policies/{policy}', { params: { path: { policy } } });
      printDone(ctx, `deleted policy ${policy}`, { deleted: 'policy', policy });
    });

  group
    .command('attach <policy> <socket>')
    .description('Apply a policy to a socket')
    .action(async (policy: string, socket: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      const updated = await ctx.client().post('/api/v1/policies/{policy}/sockets', {
        params: { path: { policy } },
        body: { socket },
      });
      if (ctx.output === 'json') printJson(updated);
      else printLine(`attached policy ${updated.name} to socket ${socket}`);
    });

  group
    .command('detach <policy> <socket>')
    .description('Stop applying a policy to a socket')
    .action(async (policy: string, socket: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().delete('/api/v1/policies/{policy}/sockets/{socket}', {
        params: { path: { policy, socket } },
      });
      printDone(ctx, `detached policy ${policy} from socket ${socket}`, { detached: policy, socket });
    });

  registerPolicyTestCommand(group);
}
