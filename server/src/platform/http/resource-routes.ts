/**
 * The route configs of a collection resource's standard operations (list, create, get, update, delete),
 * built the same way for every resource: paging and filters on list, `Idempotency-Key` on create, `If-Match`
 * on update and delete, an ETag on every returned item, and the same problem responses. A resource file
 * states only its names, schemas and operationIds, and writes its handlers against the typed configs.
 */
import { createRoute, type z } from '@hono/zod-openapi';
import {
  type ErrorCode,
  errors,
  IDEMPOTENT,
  IdempotencyHeaders,
  IfMatchHeaders,
  jsonBody,
  jsonResponse,
  PageQuery,
} from './common-schemas.js';

type Operation = 'list' | 'create' | 'get' | 'update' | 'delete';

export interface OperationDocs {
  operationId: string;
  /** Replaces the standard summary, e.g. `Create a connector`. */
  summary?: string;
  description?: string;
  /** Replaces the standard description of the success response, e.g. `The new connector.` */
  response?: string;
  /** Whether the operation can answer 409. Standard: create and update can (a name is taken). */
  conflict?: boolean;
}

/**
 * The five operations with their standard operationIds, from the resource's name in the singular and plural
 * (`Group`, `Groups`: `listGroups`, `createGroup`, `getGroup`, `updateGroup`, `deleteGroup`). Spread it and
 * replace what differs.
 */
export function standardOperations(singular: string, plural: string): Record<Operation, OperationDocs> {
  return {
    list: { operationId: `list${plural}` },
    create: { operationId: `create${singular}` },
    get: { operationId: `get${singular}` },
    update: { operationId: `update${singular}` },
    delete: { operationId: `delete${singular}` },
  };
}

/** The route config of each operation in `spec.operations`, for `app.openapi`. */
export function resourceRoutes<
  Params extends z.ZodObject,
  Item extends z.ZodType,
  Create extends z.ZodType,
  Update extends z.ZodType,
  Page extends z.ZodType,
  Ops extends Partial<Record<Operation, OperationDocs>>,
  Query extends z.ZodObject = z.ZodObject<Record<never, never>>,
  Created extends z.ZodType = Item,
>(spec: {
  /** The collection, e.g. `/connectors`; an item is at `/connectors/{connector}`. */
  path: string;
  /** The item's one path parameter, from `refParams`. */
  params: Params;
  /** How summaries and descriptions name one item and several, e.g. `service account(s)`. */
  noun: string;
  plural: string;
  tags: string[];
  item: Item;
  /** What create answers, when more than the item. */
  created?: Created;
  create: Create;
  update: Update;
  /** The request bodies' examples, shown in the reference. */
  examples: { create: z.input<Create>; update: z.input<Update> };
  page: Page;
  /** Filters of list, besides paging. */
  listQuery?: Query;
  /** The operations the resource has, each with its operationId. */
  operations: Ops;
}) {
  const { path, params, noun, plural, tags } = spec;
  const itemPath = `${path}/{${Object.keys(params.shape)[0]}}`;
  const aNoun = `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
  const docs = (op: OperationDocs, summary: string) => ({
    operationId: op.operationId,
    summary: op.summary ?? summary,
    ...(op.description !== undefined && { description: op.description }),
    tags,
  });
  /** The problem responses of an operation: 409 added or dropped as `conflict` says. */
  const problems = (op: OperationDocs, codes: ErrorCode[], conflicts: boolean) =>
    errors(...codes.filter((code) => code !== 409 || (op.conflict ?? conflicts)));

  const build = {
    list: (op: OperationDocs) =>
      createRoute({
        method: 'get',
        path,
        ...docs(op, `List ${plural}`),
        request: { query: PageQuery.extend((spec.listQuery?.shape ?? {}) as Query['shape']) },
        responses: {
          200: jsonResponse(spec.page, op.response ?? `A page of ${plural}.`),
          ...problems(op, [400, 401, 403], false),
        },
      }),
    create: (op: OperationDocs) =>
      createRoute({
        method: 'post',
        path,
        ...docs(op, `Create ${aNoun}`),
        ...IDEMPOTENT,
        request: { headers: IdempotencyHeaders, body: jsonBody(spec.create, spec.examples.create) },
        responses: {
          201: jsonResponse((spec.created ?? spec.item) as Created, op.response ?? `The new ${noun}.`, true),
          ...problems(op, [400, 401, 403, 409, 413, 415, 422], true),
        },
      }),
    get: (op: OperationDocs) =>
      createRoute({
        method: 'get',
        path: itemPath,
        ...docs(op, `Get ${aNoun}`),
        request: { params },
        responses: {
          200: jsonResponse(spec.item, op.response ?? `The ${noun}.`, true),
          ...problems(op, [401, 403, 404], false),
        },
      }),
    update: (op: OperationDocs) =>
      createRoute({
        method: 'patch',
        path: itemPath,
        ...docs(op, `Update ${aNoun}`),
        request: { params, headers: IfMatchHeaders, body: jsonBody(spec.update, spec.examples.update) },
        responses: {
          200: jsonResponse(spec.item, op.response ?? `The updated ${noun}.`, true),
          ...problems(op, [400, 401, 403, 404, 409, 412, 413, 415], true),
        },
      }),
    delete: (op: OperationDocs) =>
      createRoute({
        method: 'delete',
        path: itemPath,
        ...docs(op, `Delete ${aNoun}`),
        request: { params, headers: IfMatchHeaders },
        responses: {
          204: { description: op.response ?? 'Deleted.' },
          ...problems(op, [401, 403, 404, 409, 412], false),
        },
      }),
  };
  type Routes = { [K in Operation & keyof Ops]: ReturnType<(typeof build)[K]> };
  const routes: Partial<Record<Operation, unknown>> = {};
  for (const [operation, op] of Object.entries(spec.operations) as [Operation, OperationDocs][]) {
    routes[operation] = build[operation](op);
  }
  return routes as Routes;
}
