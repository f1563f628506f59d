/**
 * The PostgreSQL protocol (version 3.0) messages the proxy writes or reads the fields of. Everything else
 * travels untouched. https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/** Request codes of the untyped first messages. */
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;
export const PROTOCOL_3 = 196608;

/** A typed message: one type byte, an int32 length that counts itself, the body. */
export function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

export function cstring(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
}

function int32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeInt32BE(value);
  return out;
}

/** ErrorResponse (or NoticeResponse) fields by their one-letter codes, e.g. S, V, C, M, D, H, P. */
export type ErrorFields = Record<string, string>;

export function errorResponse(fields: ErrorFields): Buffer {
  const parts = Object.entries(fields).map(([code, value]) =>
    Buffer.concat([Buffer.from(code), cstring(value)]),
  );
  return message('E', Buffer.concat([...parts, Buffer.from([0])]));
}

export function fatal(code: string, text: string, detail?: string): Buffer {
  return errorResponse({
    S: 'FATAL',
    V: 'FATAL',
    C: code,
    M: text,
    ...(detail !== undefined && { D: detail }),
  });
}

export function readErrorFields(body: Buffer): ErrorFields {
  const fields: ErrorFields = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    if (end === -1) break;
    fields[code] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return fields;
}

export const authenticationOk = (): Buffer => message('R', int32(0));

/** Tells a client that asked for a newer minor version or `_pq_.` options what this proxy speaks: 3.0. */
export function negotiateProtocolVersion(unrecognized: string[]): Buffer {
  return message('v', Buffer.concat([int32(0), int32(unrecognized.length), ...unrecognized.map(cstring)]));
}

/** The startup message's parameters (`user`, `database`, `options`, `application_name`, ...). */
export function readStartupParameters(body: Buffer): Map<string, string> {
  const parameters = new Map<string, string>();
  let at = 4; // after the protocol version
  for (;;) {
    const keyEnd = body.indexOf(0, at);
    if (keyEnd === -1 || keyEnd === at) break;
    const valueEnd = body.indexOf(0, keyEnd + 1);
    if (valueEnd === -1) break;
    parameters.set(body.toString('utf8', at, keyEnd), body.toString('utf8', keyEnd + 1, valueEnd));
    at = valueEnd + 1;
  }
  return parameters;
}

export function startupMessage(parameters: Map<string, string>): Buffer {
  const pairs = [...parameters].flatMap(([key, value]) => [cstring(key), cstring(value)]);
  const body = Buffer.concat([int32(PROTOCOL_3), ...pairs, Buffer.from([0])]);
  return Buffer.concat([int32(4 + body.length), body]);
}

export function sslRequest(): Buffer {
  return Buffer.concat([int32(8), int32(SSL_REQUEST)]);
}

export function cancelRequest(processId: number, secretKey: number): Buffer {
  return Buffer.concat([int32(16), int32(CANCEL_REQUEST), int32(processId), int32(secretKey)]);
}

/** Reads NUL-terminated strings from `body` starting at `at`. */
export function readCString(body: Buffer, at: number): { text: string; next: number } {
  const end = body.indexOf(0, at);
  const stop = end === -1 ? body.length : end;
  return { text: body.toString('utf8', at, stop), next: stop + 1 };
}

/** Parse: statement name, query text. */
export function readParse(body: Buffer): { name: string; text: string } {
  const name = readCString(body, 0);
  const text = readCString(body, name.next);
  return { name: name.text, text: text.text };
}

/** Bind: portal name, statement name, and the parameters as text (binary values as base64), for the log. */
export function readBind(body: Buffer): { portal: string; statement: string; parameters: (string | null)[] } {
  const portal = readCString(body, 0);
  const statement = readCString(body, portal.next);
  let at = statement.next;
  const formatCount = body.readInt16BE(at);
  const formats: number[] = [];
  for (let i = 0; i < formatCount; i++) formats.push(body.readInt16BE(at + 2 + i * 2));
  at += 2 + formatCount * 2;
  const count = body.readInt16BE(at);
  at += 2;
  const parameters: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(at);
    at += 4;
    if (length === -1) {
      parameters.push(null);
      continue;
    }
    const value = body.subarray(at, at + length);
    at += length;
    const binary = (formatCount === 1 ? formats[0] : formats[i]) === 1;
    parameters.push(binary ? `\\x${value.toString('hex')}` : value.toString('utf8'));
  }
  return { portal: portal.text, statement: statement.text, parameters };
}

/** Bind with another statement name and nothing else changed (a refused statement's stand-in). */
export function rebindTo(body: Buffer, statementName: string): Buffer {
  const portal = readCString(body, 0);
  const statement = readCString(body, portal.next);
  return message(
    'B',
    Buffer.concat([body.subarray(0, portal.next), cstring(statementName), body.subarray(statement.next)]),
  );
}

/** Parse with the same name and another text. */
export function parseMessage(name: string, text: string): Buffer {
  return message('P', Buffer.concat([cstring(name), cstring(text), Buffer.from([0, 0])]));
}

export function queryMessage(text: string): Buffer {
  return message('Q', cstring(text));
}
