/**
 * The handlers of a collection resource's standard operations, written once for the route configs that
 * resource-routes.ts builds: list pages with a cursor, get answers an ETag, create honours `Idempotency-Key`
 * and answers an ETag and a Location, update checks `If-Match` and bumps the version, delete checks
 * `If-Match`; every change is audited in its transaction. A resource states its rights, its store functions,
 * the audit details of each change and how its rows become API items: only what is special about it.
 */
import type { OpenAPIHono, RouteConfig, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely, Transaction } from 'kysely';
import type { Services } from '../../services.js';
import { authorize } from '../auth/authorize.js';
import type { Permission } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import type { AppEnv, Principal } from './env.js';
import { checkIfMatch, etagOf } from './etag.js';
import { createIdempotent, mutate } from './mutation.js';
import { decodeCursor, type PageRequest, toPage } from './pagination.js';

type Details = Record<string, unknown>;
type Operation = 'list' | 'create' | 'get' | 'update' | 'delete';
type Routes = Partial<Record<Operation, RouteConfig>>;

/** The parsed JSON body a route config takes, or the parsed query. */
type BodyOf<R> = R extends { request: { body: { content: { 'application/json': { schema: infer S } } } } }
  ? S extends z.ZodType
    ? z.output<S>
    : never
  : never;
type QueryOf<R> = R extends { request: { query: infer Q } }
  ? Q extends z.ZodType
    ? z.output<Q>
    : never
  : never;

/** The store functions of a resource that the standard handlers call. */
export interface ResourceStore<Row, Create, Update, Query> {
  /** The row a path parameter names (id, or name or email), or 404. */
  find(db: Kysely<Database>, orgId: string, ref: string): Promise<Row>;
  /** `page.limit` rows after `page.after`, plus one look-ahead row, filtered by the query. */
  list?(db: Kysely<Database>, orgId: string, page: PageRequest, query: Query): Promise<Row[]>;
  /** Inserts the new row: its id. */
  insert?(db: Kysely<Database>, orgId: string, body: Create): Promise<string>;
  /** Writes the change with the row's next version. */
  update?(db: Kysely<Database>, row: Row, body: Update): Promise<void>;
  delete?(db: Kysely<Database>, row: Row): Promise<void>;
}

export interface Resource<Row extends { id: string; version: number }, Item, Create, Update, Query> {
  /** The audit entries' `resource_type`, and the start of their actions (`group` → `group.create`). */
  type: string;
  /** Actions other than `<type>.create`, `<type>.update` and `<type>.delete`. */
  actions?: Partial<Record<'create' | 'update' | 'delete', string>>;
  /** The permission of list and get, and that of create, update and delete. */
  rights: { read: Permission; write: Permission };
  store: ResourceStore<Row, Create, Update, Query>;
  /** The API items of rows, in their order (one query for them all where they need one). */
  toApi(rows: Row[], db: Kysely<Database>, orgId: string): Item[] | Promise<Item[]>;
  /** The id in the new item's Location, when not its `id`. */
  itemId?(item: Item): string;
  /** Refusals before any transaction, e.g. a role the caller may not grant. */
  checkCreate?(body: Create, principal: Principal): void;
  /*
   * What replaces the store's write where a resource checks more or writes more; each answers its audit
   * details. Without them the store writes, and the details are the name (and the fields an update names).
   */
  create?(
    trx: Transaction<Database>,
    body: Create,
    principal: Principal,
  ): Promise<{ id: string; details: Details }>;
  update?(trx: Transaction<Database>, row: Row, body: Update, principal: Principal): Promise<Details>;
  delete?(trx: Transaction<Database>, row: Row, principal: Principal): Promise<Details>;
}

/** Registers on `app` the handler of each operation in `routes`, from `resource`. */
export function addResourceHandlers<R extends Routes, Row extends { id: string; version: number }, Item>(
  app: OpenAPIHono<AppEnv>,
  services: Services,
  routes: R,
  resource: Resource<Row, Item, BodyOf<R['create']>, BodyOf<R['update']>, QueryOf<R['list']>>,
): void {
  type Create = BodyOf<R['create']>;
  type Update = BodyOf<R['update']>;
  const { db } = services;
  const valid = (c: Context<AppEnv>, target: 'json' | 'query' | 'param') =>
    (c.req.valid as (target: string) => unknown)(target);
  /** The item's one path parameter. */
  const ref = (c: Context<AppEnv>) => Object.values(valid(c, 'param') as Record<string, string>)[0]!;
  const action = (op: 'create' | 'update' | 'delete') => resource.actions?.[op] ?? `${resource.type}.${op}`;
  const { store } = resource;
  const itemOf = async (row: Row, from: Kysely<Database>, orgId: string) =>
    (await resource.toApi([row], from, orgId))[0]!;
  const nameOf = (value: unknown) => (value as { name?: string }).name;
  const create =
    resource.create ??
    (async (trx: Transaction<Database>, body: Create, { orgId }: Principal) => ({
      id: await store.insert!(trx, orgId, body),
      details: { name: nameOf(body) },
    }));
  const update =
    resource.update ??
    (async (trx: Transaction<Database>, row: Row, body: Update) => {
      await store.update!(trx, row, body);
      return { name: nameOf(body) ?? nameOf(row), fields: Object.keys(body as object) };
    });
  const remove =
    resource.delete ??
    (async (trx: Transaction<Database>, row: Row) => {
      await store.delete!(trx, row);
      return { name: nameOf(row) };
    });
  const on = (route: RouteConfig | undefined, handler: (c: Context<AppEnv>) => Promise<Response>) => {
    if (route) app.openapi(route, handler as never);
  };

  on(routes.list, async (c) => {
    const { orgId } = authorize(c, resource.rights.read);
    const query = valid(c, 'query') as QueryOf<R['list']>;
    const { cursor, limit } = query as { cursor?: string; limit: number };
    const rows = await store.list!(db, orgId, { after: decodeCursor(cursor), limit }, query);
    const page = toPage(rows, limit, (row) => row);
    return c.json({ items: await resource.toApi(page.items, db, orgId), next_cursor: page.next_cursor }, 200);
  });

  on(routes.create, async (c) => {
    const principal = authorize(c, resource.rights.write);
    const body = valid(c, 'json') as Create;
    resource.checkCreate?.(body, principal);
    const { status, body: created } = await createIdempotent(
      c,
      services,
      routes.create!.operationId!,
      body,
      async (trx, audit) => {
        const { id, details } = await create(trx, body, principal);
        await audit({ action: action('create'), resource_type: resource.type, resource_id: id, details });
        const row = await store.find(trx, principal.orgId, id);
        return { status: 201, body: await itemOf(row, trx, principal.orgId) };
      },
    );
    const item = created as Item;
    c.header('ETag', etagOf(1));
    const id = resource.itemId?.(item) ?? (item as { id: string }).id;
    c.header('Location', `/api/v1${routes.create!.path}/${id}`);
    return c.json(item as object, status as 201);
  });

  on(routes.get, async (c) => {
    const { orgId } = authorize(c, resource.rights.read);
    const row = await store.find(db, orgId, ref(c));
    c.header('ETag', etagOf(row.version));
    return c.json((await itemOf(row, db, orgId)) as object, 200);
  });

  on(routes.update, async (c) => {
    const principal = authorize(c, resource.rights.write);
    const body = valid(c, 'json') as Update;
    const updated = await mutate(c, services, async (trx, audit) => {
      const row = await store.find(trx, principal.orgId, ref(c));
      checkIfMatch(c, row.version);
      const details = await update(trx, row, body, principal);
      await audit({ action: action('update'), resource_type: resource.type, resource_id: row.id, details });
      const after = await store.find(trx, principal.orgId, row.id);
      return { version: after.version, item: await itemOf(after, trx, principal.orgId) };
    });
    c.header('ETag', etagOf(updated.version));
    return c.json(updated.item as object, 200);
  });

  on(routes.delete, async (c) => {
    const principal = authorize(c, resource.rights.write);
    await mutate(c, services, async (trx, audit) => {
      const row = await store.find(trx, principal.orgId, ref(c));
      checkIfMatch(c, row.version);
      const details = await remove(trx, row, principal);
      await audit({ action: action('delete'), resource_type: resource.type, resource_id: row.id, details });
    });
    return c.body(null, 204);
  });
}
