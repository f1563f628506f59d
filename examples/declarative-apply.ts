/**
 * Plans a resources document (JSON here; the CLI reads YAML too) against the organization and applies it,
 * through @border0/sdk/declarative: what `border0 plan` and `border0 apply` do, from your own program.
 *
 *   BORDER0_API_URL=http://127.0.0.1:6080 BORDER0_TOKEN=$(cat .border0/data/admin-token) \
 *     pnpm --filter @border0/examples exec tsx declarative-apply.ts resources.json [--apply]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createClient } from '@border0/sdk';
import { apply, type DeclarativeState, parseDocument, plan } from '@border0/sdk/declarative';

const [file = 'resources.json', flag] = process.argv.slice(2);
const stateFile = `${file}.state.json`;
const b0 = createClient(); // BORDER0_API_URL and BORDER0_TOKEN

const document = parseDocument(JSON.parse(readFileSync(file, 'utf8'))); // a DocumentError names the bad fields
const state = existsSync(stateFile)
  ? (JSON.parse(readFileSync(stateFile, 'utf8')) as DeclarativeState)
  : undefined;
const planned = await plan(b0, document, { state });
if (planned.changes.length === 0) console.log('no changes');
for (const change of planned.changes) {
  console.log(`${change.action} ${change.kind} ${change.name}`);
  for (const diff of change.diffs) {
    console.log(`  ${diff.path}: ${JSON.stringify(diff.before)} -> ${JSON.stringify(diff.after)}`);
  }
}

if (flag === '--apply' && planned.changes.length > 0) {
  const result = await apply(b0, planned, { state });
  writeFileSync(stateFile, JSON.stringify(result.state, null, 2));
  if (result.failure) {
    console.error(result.failure.message); // failure.conflict: someone changed it since the plan
    process.exitCode = 1;
  } else console.log(`applied ${result.applied.length} changes`);
}
