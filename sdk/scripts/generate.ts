/**
 * Generates from spec/openapi.yaml: src/generated/api.ts (the types, with openapi-typescript) and
 * src/generated/idempotent-operations.ts (the operations marked `x-idempotent: true`, which the client may
 * retry). With `--check`, writes nothing and fails when a committed file differs from what the spec generates
 * (CI's staleness check).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { parse } from 'yaml';

const specUrl = new URL('../../spec/openapi.yaml', import.meta.url);
const out = (name: string) => fileURLToPath(new URL(`../src/generated/${name}`, import.meta.url));

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

interface Operation {
  operationId?: string;
  'x-idempotent'?: boolean;
  parameters?: { in?: string; name?: string }[];
}
const spec = parse(readFileSync(specUrl, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
const idempotent: string[] = [];
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, operation] of Object.entries(item)) {
    if (operation['x-idempotent'] !== true) continue;
    const key = (operation.parameters ?? []).some(
      (p) => p.in === 'header' && p.name?.toLowerCase() === 'idempotency-key',
    );
    idempotent.push(
      `  '${method.toUpperCase()} ${path}': { operationId: '${operation.operationId}', idempotencyKey: ${key} },`,
    );
  }
}
idempotent.sort();
const operations = `${header}import type { paths } from './api.js';

/** An operation the spec marks \`x-idempotent: true\`, and whether it takes an \`Idempotency-Key\`. */
export interface IdempotentOperation {
  operationId: string;
  /** The server de-duplicates it by \`Idempotency-Key\`: the client sends one, the same on every attempt. */
  idempotencyKey: boolean;
}

type Key = { [P in keyof paths]: \`\${Uppercase<Extract<keyof paths[P], string>>} \${P}\` }[keyof paths];

/**
 * The operations, by \`METHOD path\`, that the spec marks safe to repeat besides GET, HEAD, PUT and DELETE:
 * creates the server de-duplicates by \`Idempotency-Key\`, and POSTs that change nothing. Any other POST is a
 * one-time action (a token refresh, an approval, a termination) that the client never retries.
 */
export const IDEMPOTENT_OPERATIONS: Readonly<Partial<Record<Key, IdempotentOperation>>> = {
${idempotent.join('\n')}
};
`;

const files = [
  { file: out('api.ts'), text: header + astToString(ast) },
  { file: out('idempotent-operations.ts'), text: operations },
];

if (process.argv.includes('--check')) {
  const stale = files.filter(({ file, text }) => {
    try {
      return readFileSync(file, 'utf8') !== text;
    } catch {
      return true;
    }
  });
  if (stale.length > 0) {
    const names = stale.map(({ file }) => file.slice(file.indexOf('sdk/'))).join(', ');
    console.error(`${names} stale: run \`pnpm generate\` and commit the result.`);
    process.exit(1);
  }
  console.log('sdk/src/generated matches spec/openapi.yaml');
} else {
  for (const { file, text } of files) {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}
