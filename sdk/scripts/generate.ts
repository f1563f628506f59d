/**
 * Generates src/generated/api.ts from spec/openapi.yaml with openapi-typescript. With `--check`, writes
 * nothing and fails when the committed file differs from what the spec generates (CI's staleness check).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';

const specUrl = new URL('../../spec/openapi.yaml', import.meta.url);
const outFile = fileURLToPath(new URL('../src/generated/api.ts', import.meta.url));

const header =
  '// Generated from spec/openapi.yaml by `pnpm --filter @border0/sdk generate`. Do not edit.\n\n';
// Raw bytes (`format: binary`, e.g. a recording chunk) are bytes to callers, not a string; they are sent
// with a `bodySerializer` that passes them through, as openapi-fetch serializes bodies to JSON by default.
const BYTES = ts.factory.createUnionTypeNode(
  ['Uint8Array', 'Blob'].map((name) => ts.factory.createTypeReferenceNode(name)),
);
// Defaults are the server's business: a property with a default stays optional for callers.
const ast = await openapiTS(specUrl, {
  alphabetize: true,
  defaultNonNullable: false,
  transform: (schema) => (schema.format === 'binary' ? BYTES : undefined),
});
const generated = header + astToString(ast);

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(outFile, 'utf8');
  } catch {}
  if (current !== generated) {
    console.error('sdk/src/generated/api.ts is stale: run `pnpm generate` and commit the result.');
    process.exit(1);
  }
  console.log('sdk/src/generated/api.ts matches spec/openapi.yaml');
} else {
  writeFileSync(outFile, generated);
  console.log(`wrote ${outFile}`);
}
