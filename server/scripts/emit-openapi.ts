/** Prints the OpenAPI document this server generates, as YAML (used to compare with spec/openapi.yaml). */
import { stringify } from 'yaml';
import { generatedDocument } from '../test/support/openapi-document.js';

process.stdout.write(stringify(await generatedDocument(), { lineWidth: 0 }));
