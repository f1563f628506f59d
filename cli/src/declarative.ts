/**
 * `border0 plan`, `border0 apply` and `border0 export`: the organization as a resources file, Terraform-style,
 * over @border0/sdk/declarative. The record of what the file manages (what `--prune` may delete) is kept in a
 * state file beside it (`resources.state.json` for `resources.yaml`), one entry per organization.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type {
  ApplyResult,
  DeclarativeState,
  FieldDiff,
  Plan,
  PlannedChange,
  ResourcesDocument,
} from '@border0/sdk/declarative';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { type Context, contextOf } from './context.js';
import { CliError, UsageError } from './errors.js';
import { printJson, printLine } from './output.js';

/**
 * The engine, loaded when one of these commands runs: its schemas (zod) would add about 90 ms to every
 * `border0` start, ssh's ProxyCommand included.
 */
const engine = () => import('@border0/sdk/declarative');
const $ = '$';

interface PlanFlags {
  file?: string;
  prune?: boolean;
  state?: string;
  out?: string;
  detailedExitcode?: boolean;
  yes?: boolean;
}

/** A plan saved by `border0 plan --out`, with the state file it was made with. */
type SavedPlan = Plan & { state_file: string };

export function registerDeclarativeCommands(program: Command): void {
  program
    .command('plan')
    .description('Show what `apply -f FILE` would create, change and delete')
    .requiredOption('-f, --file <resources.yaml>', 'the resources file (YAML or JSON)')
    .option('--prune', 'also delete what the file managed and no longer names')
    .option('--state <file>', 'the record of managed resources (default: <file>.state.json beside it)')
    .option('--out <plan.json>', 'save the plan, for `border0 apply <plan.json>`')
    .option('--detailed-exitcode', 'exit 2 when there are changes, 0 when there are none')
    .action(async (flags: PlanFlags, command: Command) => {
      const ctx = contextOf(command);
      const file = flags.file!;
      const statePath = flags.state ?? defaultStatePath(file);
      const planned = await (await engine()).plan(ctx.client(), await readDocument(file), {
        prune: flags.prune === true,
        state: readState(statePath),
      });
      if (flags.out)
        writeFileSync(flags.out, `${JSON.stringify({ ...planned, state_file: statePath }, null, 2)}\n`);
      printPlan(ctx, planned, file);
      if (flags.detailedExitcode && planned.changes.length > 0) process.exitCode = 2;
    });

  program
    .command('apply [plan.json]')
    .description('Make the organization as the resources file says (or carry out a saved plan)')
    .option('-f, --file <resources.yaml>', 'the resources file (YAML or JSON)')
    .option('--prune', 'also delete what the file managed and no longer names')
    .option('--state <file>', 'the record of managed resources (default: <file>.state.json beside it)')
    .option('-y, --yes', 'apply without asking')
    .action(async (saved: string | undefined, flags: PlanFlags, command: Command) => {
      const ctx = contextOf(command);
      if (Boolean(saved) === Boolean(flags.file)) {
        throw new UsageError('give either -f <resources.yaml> or a plan saved by `border0 plan --out`');
      }
      const client = ctx.client();
      let planned: Plan;
      let statePath: string;
      if (saved) {
        planned = readSavedPlan(saved);
        statePath = flags.state ?? (planned as SavedPlan).state_file;
      } else {
        statePath = flags.state ?? defaultStatePath(flags.file!);
        planned = await (await engine()).plan(client, await readDocument(flags.file!), {
          prune: flags.prune === true,
          state: readState(statePath),
        });
        printPlan(ctx, planned, flags.file!);
        if (planned.changes.length === 0) return;
        if (!flags.yes && !process.stdin.isTTY) {
          throw new UsageError('standard input is not a terminal to ask on: add --yes to apply this plan');
        }
        if (!flags.yes && !(await confirmed())) throw new CliError('apply cancelled: nothing was changed');
      }
      const result = await (await engine()).apply(client, planned, { state: readState(statePath) });
      writeFileSync(statePath, `${JSON.stringify(result.state, null, 2)}\n`);
      printResult(ctx, result);
      if (result.failure) throw new CliError(result.failure.message);
    });

  program
    .command('export')
    .description(`Write the organization as a resources file (secrets as ${$}{from:env:NAME} references)`)
    .option('-o, --out <file>', 'write to this file instead of standard output')
    .action(async (flags: { out?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { exportDocument, secretVariables } = await engine();
      const document = await exportDocument(ctx.client());
      const text = flags.out?.endsWith('.json')
        ? `${JSON.stringify(document, null, 2)}\n`
        : stringify(document);
      if (flags.out) writeFileSync(flags.out, text, { mode: 0o600 });
      else process.stdout.write(text);
      const variables = secretVariables(document);
      if (variables.length > 0) {
        console.error(`secrets are references: set ${variables.join(', ')} before applying this file`);
      }
    });
}

/** The resources file, parsed and checked; errors name the file and the bad field. */
export async function readDocument(file: string): Promise<ResourcesDocument> {
  const { DocumentError, parseDocument } = await engine();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new CliError(`${file}: not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  try {
    return parseDocument(value);
  } catch (error) {
    if (error instanceof DocumentError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
}

/** `resources.yaml` → `resources.state.json` */
export function defaultStatePath(file: string): string {
  return `${file.replace(/\.(ya?ml|json)$/i, '')}.state.json`;
}

function readState(path: string): DeclarativeState | undefined {
  if (!existsSync(path)) return undefined;
  const state = JSON.parse(readFileSync(path, 'utf8')) as DeclarativeState;
  if (state.format !== 'border0-state/1') throw new CliError(`${path}: not a border0 state file`);
  return state;
}

function readSavedPlan(path: string): Plan {
  let value: Plan;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as Plan;
  } catch (error) {
    throw new CliError(`cannot read the plan ${path}: ${(error as Error).message}`);
  }
  if (value.format !== 'border0-plan/1')
    throw new CliError(`${path}: not a plan saved by \`border0 plan --out\``);
  return value;
}

async function confirmed(): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('Apply these changes? Only "yes" applies: ');
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

const SIGN = { create: '+', update: '~', delete: '-' } as const;

const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

function describeDiff(change: PlannedChange, diff: FieldDiff): string {
  if (change.action === 'create') return `${diff.path}: ${show(diff.after)}`;
  if (change.action === 'delete') return `${diff.path}: ${show(diff.before)}`;
  if (diff.secret) return `${diff.path}: (not set) → ${show(diff.after)}`;
  return `${diff.path}: ${show(diff.before)} → ${show(diff.after)}`;
}

/** The plan for people: one block per change, its fields beneath, and the counts. */
export function formatPlan(planned: Plan, file: string): string[] {
  if (planned.changes.length === 0) {
    return [`No changes: the organization ${planned.organization.name} matches ${file}.`];
  }
  const lines: string[] = [];
  for (const change of planned.changes) {
    lines.push(`${SIGN[change.action]} ${change.action} ${change.kind} ${change.name}`);
    for (const diff of change.diffs) lines.push(`    ${describeDiff(change, diff)}`);
  }
  const count = (action: PlannedChange['action']) =>
    planned.changes.filter((c) => c.action === action).length;
  lines.push(
    `Plan for ${planned.organization.name}: ${count('create')} to create, ${count('update')} to change, ${count('delete')} to delete.`,
  );
  return lines;
}

function printPlan(ctx: Context, planned: Plan, file: string): void {
  if (planned.prune && Object.keys(planned.managed).length === 0) {
    console.error(
      `note: no record of what ${file} manages in ${planned.organization.name} (its state file): --prune deletes nothing`,
    );
  }
  if (ctx.output === 'json') printJson(planned);
  else for (const line of formatPlan(planned, file)) printLine(line);
}

const DONE = { create: 'created', update: 'changed', delete: 'deleted' } as const;

function printResult(ctx: Context, result: ApplyResult): void {
  if (ctx.output === 'json') {
    const { state: _state, plan: _plan, ...rest } = result;
    printJson(rest);
    return;
  }
  for (const change of result.applied) printLine(`${DONE[change.action]} ${change.kind} ${change.name}`);
  const left = result.notApplied.length > 0 ? `; ${result.notApplied.length} not tried` : '';
  printLine(`Applied ${result.applied.length} of ${result.plan.changes.length} changes${left}.`);
}
