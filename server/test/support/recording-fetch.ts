/**
 * A fetch for the SDK that calls the app in-process and checks every response against spec/openapi.yaml,
 * remembering which operations answered with success. An event stream never ends: only its status, media
 * type and first event are checked, and the caller cancels it.
 */
import { checkResponse, isJsonMedia, operationFor } from './spec.js';

export interface ContractLog {
  /** Operation ids that answered 2xx at least once. */
  succeeded: Set<string>;
  /** Every way a response departed from the spec. */
  violations: string[];
}

export function recordingFetch(inner: (request: Request) => Promise<Response>): {
  fetch: (request: Request) => Promise<Response>;
  log: ContractLog;
} {
  const log: ContractLog = { succeeded: new Set(), violations: [] };
  const fetch = async (request: Request) => {
    const response = await inner(request);
    const { pathname } = new URL(request.url);
    const op = operationFor(request.method, pathname);
    if (!op) {
      log.violations.push(`${request.method} ${pathname}: no such operation in the spec`);
      return response;
    }
    if (response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) {
      const first = await firstChunk(response.clone());
      log.violations.push(...checkResponse(op, response.status, response.headers.get('content-type'), first));
      if (!/^event: \S+\ndata: /.test(first)) {
        log.violations.push(`${op.operationId}: the stream does not start with an event: ${first}`);
      }
      log.succeeded.add(op.operationId);
      return response;
    }
    const text = await response.clone().text();
    let body: unknown = text;
    // A recording is text in its own format, validated as the string it is.
    if (text && isJsonMedia(response.headers.get('content-type') ?? '')) {
      try {
        body = JSON.parse(text);
      } catch {
        log.violations.push(`${op.operationId} ${response.status}: body is not JSON`);
      }
    }
    log.violations.push(
      ...checkResponse(op, response.status, response.headers.get('content-type'), text ? body : undefined),
    );
    if (response.ok) log.succeeded.add(op.operationId);
    return response;
  };
  return { fetch, log };
}

async function firstChunk(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  const { value } = await reader.read();
  // A clone's cancel settles only once the original is cancelled too, which the caller does later.
  reader.cancel().catch(() => {});
  return new TextDecoder().decode(value);
}
