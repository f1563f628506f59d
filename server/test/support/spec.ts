/**
 * spec/openapi.yaml as tests use it: the parsed document, its operations, and a validator of responses
 * against the schemas the spec declares for each operation and status.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { parse } from 'yaml';

export const SPEC_PATH = new URL('../../../spec/openapi.yaml', import.meta.url);

interface SpecOperationObject {
  operationId: string;
  security?: unknown[];
  tags?: string[];
  requestBody?: unknown;
  responses: SpecOperation['responses'];
}

export interface SpecOperation {
  operationId: string;
  method: string;
  /** e.g. `/api/v1/sockets/{socket}` */
  path: string;
  pattern: RegExp;
  pathParams: string[];
  hasBody: boolean;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  /**
   * Whose token the operation takes: an organization's, a proxy's (tag Proxy), a connector's own (tag
   * Connector), or none (`security: []`, device login).
   */
  caller: Caller;
  /** Answers a Server-Sent Events stream, which stays open: read what is needed, then cancel it. */
  streams: boolean;
  /** How a client reads its success: JSON, text (a recording), or a stream it cancels. */
  parseAs: 'json' | 'text' | 'stream';
}

export type Caller = 'organization' | 'proxy' | 'connector' | 'public';

const CALLERS: Record<string, Caller> = { Proxy: 'proxy', Connector: 'connector' };

// biome-ignore lint/suspicious/noExplicitAny: the document is plain parsed YAML
export const spec: any = parse(readFileSync(SPEC_PATH, 'utf8'));

export const operations: SpecOperation[] = Object.entries(
  spec.paths as Record<string, Record<string, SpecOperationObject>>,
).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
    .map(([method, op]) => {
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const pattern = new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`);
      const streams = Object.values(op.responses).some((r) => r.content?.['text/event-stream'] !== undefined);
      const successMedia = Object.entries(op.responses)
        .filter(([status]) => status.startsWith('2'))
        .flatMap(([, r]) => Object.keys(r.content ?? {}));
      const json = successMedia.length === 0 || successMedia.some(isJsonMedia);
      return {
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        pattern,
        pathParams,
        hasBody: Boolean(op.requestBody),
        responses: op.responses,
        caller:
          Array.isArray(op.security) && op.security.length === 0
            ? 'public'
            : (CALLERS[op.tags?.[0] ?? ''] ?? 'organization'),
        streams,
        parseAs: streams ? 'stream' : json ? 'json' : 'text',
      };
    }),
);

/** `application/json` and its `+json` relatives (problem details): what is parsed as JSON. */
export function isJsonMedia(mediaType: string): boolean {
  return /^application\/(.+\+)?json\b/i.test(mediaType);
}

/** The operation a request went to, by method and concrete path. Literal segments win over parameters. */
export function operationFor(method: string, pathname: string): SpecOperation | undefined {
  const matches = operations.filter((op) => op.method === method && op.pattern.test(pathname));
  return matches.sort((a, b) => a.pathParams.length - b.pathParams.length)[0];
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;
addFormats(ajv);
ajv.addSchema({ $id: 'spec', components: spec.components });

// Schemas refer to `#/components/...`: point them at the registered document.
function rebase(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec#/components/'));
}

const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Checks a response against the spec; returns the problems found (empty when it conforms). */
export function checkResponse(
  op: SpecOperation,
  status: number,
  contentType: string | null,
  body: unknown,
): string[] {
  const declared = op.responses[String(status)];
  if (!declared) return [`${op.operationId}: status ${status} is not declared in the spec`];
  if (!declared.content)
    return body === undefined || body === '' ? [] : [`${op.operationId}: ${status} must have no body`];
  const mediaType = (contentType ?? '').split(';')[0]!.trim();
  const media = declared.content[mediaType];
  if (!media)
    return [
      `${op.operationId}: ${status} answered ${mediaType}, the spec says ${Object.keys(declared.content).join(', ')}`,
    ];
  return schemaErrors(media.schema, body).map((e) => `${op.operationId} ${status}: ${e}`);
}

/** Checks a value against a schema of the spec (which may refer to its components); empty when it conforms. */
export function schemaErrors(schema: unknown, value: unknown): string[] {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(rebase(schema) as object);
    validators.set(key, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}`);
}
