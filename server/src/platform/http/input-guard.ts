/**
 * One guard in front of every route for input the store cannot hold (see storable-text.ts): the path and the
 * query (each parameter decoded as the routes will see it), and JSON and form bodies (every value and key, at
 * any depth; JSON nesting bounded). A route added tomorrow is covered without knowing about it.
 *
 * Headers need no check here: HTTP/1.1 parsers refuse NUL in a field value, the bytes of a value are read as
 * Latin-1 (no surrogates), and the Fetch `Headers` of an in-process request refuse both.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from './env.js';
import { ApiError, type FieldError } from './problem.js';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, unstorable, unstorableFields } from './storable-text.js';

export function guardInput(): MiddlewareHandler<AppEnv> {
  return async function refuseUnstorableInput(c, next) {
    const url = new URL(c.req.url);
    const errors = [...pathErrors(c, url.pathname), ...queryErrors(url.search), ...(await bodyErrors(c))];
    if (errors.length > 0) {
      throw new ApiError('validation', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
    }
    await next();
  };
}

const NOT_UTF8 = 'is not valid percent-encoded UTF-8';

/** Each path segment, named after the route's parameter in that place (`(path) socket`) when it is one. */
function pathErrors(c: Context, pathname: string): FieldError[] {
  const pattern = routePath(c, -1).split('/');
  return pathname.split('/').flatMap((segment, i) => {
    const param = pattern[i]?.match(/^:(\w+)/)?.[1];
    const field = param ? `(path) ${param}` : '(path)';
    const decoded = decode(segment);
    if (decoded === undefined) return [{ field, message: NOT_UTF8 }];
    const why = unstorable(decoded);
    return why ? [{ field, message: why }] : [];
  });
}

/** Every query parameter, also those no route reads: `(query) cursor`. */
function queryErrors(search: string): FieldError[] {
  return urlEncodedErrors(search.slice(1), '(query)');
}

/**
 * `name=value&...` as URLs and forms carry it, each part decoded strictly (`+` is a space); a field is named
 * `<where> <name>`, or `<where>` alone for a bad name.
 */
function urlEncodedErrors(text: string, where: '(query)' | '(body)'): FieldError[] {
  if (text === '') return [];
  return text.split('&').flatMap((pair) => {
    const at = pair.indexOf('=');
    const name = decode((at < 0 ? pair : pair.slice(0, at)).replaceAll('+', ' '));
    const value = at < 0 ? '' : decode(pair.slice(at + 1).replaceAll('+', ' '));
    const nameWhy = name === undefined ? NOT_UTF8 : unstorable(name);
    if (nameWhy) return [{ field: where, message: `a parameter name ${nameWhy}` }];
    const field = where === '(query)' ? `(query) ${name}` : name!;
    if (value === undefined) return [{ field, message: NOT_UTF8 }];
    const why = unstorable(value);
    return why ? [{ field, message: why }] : [];
  });
}

/**
 * JSON bodies (after a depth check on the text, so parsing never recurses deep) and form bodies. The body was
 * buffered by the body limit, so reading a clone here leaves it whole for the route.
 */
async function bodyErrors(c: Context): Promise<FieldError[]> {
  const type = c.req.header('content-type') ?? '';
  if (c.req.raw.body === null) return [];
  if (/^application\/(.+\+)?json\b/i.test(type)) {
    const text = await c.req.raw.clone().text();
    if (text.trim() === '') return [];
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
      return [{ field: '(body)', message: `nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels` }];
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ApiError('malformed_json', 'the body is not valid JSON', [
        { field: '(body)', message: (error as Error).message },
      ]);
    }
    return unstorableFields(value);
  }
  if (/^application\/x-www-form-urlencoded\b/i.test(type)) {
    return urlEncodedErrors(await c.req.raw.clone().text(), '(body)');
  }
  if (/^multipart\/form-data\b/i.test(type)) {
    // Parts are bytes read as UTF-8, so no surrogate half can come this way; NUL can.
    const form = await c.req.raw
      .clone()
      .formData()
      .catch(() => undefined);
    const fields: Record<string, string> = {};
    for (const [name, value] of form ?? []) if (typeof value === 'string') fields[name] = value;
    return unstorableFields(fields);
  }
  return [];
}

/** decodeURIComponent, but undefined for a stray `%` or bytes that are not UTF-8 (a surrogate's included). */
function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
