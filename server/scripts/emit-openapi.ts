/** Prints the OpenAPI document this server generates, as YAML (used to compare with spec/openapi.yaml). */
import { stringify } from 'yaml';
import { generatedDocument } from '../test/support/openapi-document.js';

// No anchors and aliases for repeated schemas: YAML parsers refuse documents with many of them (alias bombs).
process.stdout.write(stringify(await generatedDocument(), { lineWidth: 0, aliasDuplicateObjects: false }));
