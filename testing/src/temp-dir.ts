/** A fresh directory under the system's temp dir, named for the test that uses it. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `border0-${prefix}-`));
}
