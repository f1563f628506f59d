/** `border0 audit`: the organization's append-only log of changes, and a check of its hash chain. */
import { verifyAuditChain } from '@border0/sdk';
import type { Command } from 'commander';
import { contextOf } from './context.js';
import { CliError } from './errors.js';
import { parseTime } from './options.js';
import { collect, printJson, printList } from './output.js';

interface ListOptions {
  actor?: string;
  action?: string;
  resourceType?: string;
  from?: string;
  to?: string;
}

export function registerAuditCommands(program: Command): void {
  const group = program.command('audit').description('The audit log: every change made through the API');

  group
    .command('ls')
    .description('List audit entries, oldest first')
    .option('--actor <actor>', 'only entries of this actor, e.g. user:alice@acme.dev')
    .option('--action <action>', 'only this action, e.g. socket.create')
    .option('--resource-type <type>', 'only entries about this kind of resource, e.g. socket')
    .option('--from <time>', 'at or after: a date, or a duration ago such as 24h')
    .option('--to <time>', 'at or before: a date, or a duration ago')
    .action(async (options: ListOptions, command: Command) => {
      const ctx = contextOf(command);
      const query = {
        ...(options.actor && { actor: options.actor }),
        ...(options.action && { action: options.action }),
        ...(options.resourceType && { resource_type: options.resourceType }),
        ...(options.from && { from: parseTime(options.from, '--from') }),
        ...(options.to && { to: parseTime(options.to, '--to') }),
      };
      await printList(ctx, ctx.client().paginate('/api/v1/audit', { params: { query } }), [
        ['SEQ', (e) => e.seq],
        ['TIME', (e) => e.time],
        ['ACTOR', (e) => e.actor],
        ['ACTION', (e) => e.action],
        ['RESOURCE', (e) => `${e.resource_type}${e.resource_id ? `/${e.resource_id}` : ''}`],
        ['IP', (e) => e.ip],
      ]);
    });

  group
    .command('verify')
    .description('Check the whole hash chain: no entry changed, removed or inserted')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command);
      // The chain only verifies in full: every page, no filters.
      const entries = await collect(ctx.client().paginate('/api/v1/audit'));
      const result = await verifyAuditChain(entries);
      if (ctx.output === 'json') printJson(result);
      if (result.broken_at) {
        const { seq, id, reason } = result.broken_at;
        throw new CliError(`audit log TAMPERED at entry #${seq} (${id}): ${reason}`);
      }
      if (ctx.output === 'table') console.log(`audit log intact: ${result.entries_checked} entries`);
    });
}
