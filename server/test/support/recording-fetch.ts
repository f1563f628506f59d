/**
 * A fetch for the SDK that calls the app in-process and checks every response against spec/openapi.yaml,
 * remembering which operations answered with success.
 */
import { checkResponse, operationFor } from './spec.js';

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
    const text = await response.clone().text();
    let body: unknown = text;
    if (text) {
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
