/**
 * What the proxy itself answers on an HTTP socket (no login, a refusal, an unreachable upstream): a small
 * HTML page for a browser, problem+json (RFC 9457) for anything else. Every text from outside is escaped.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface ProxyAnswer {
  status: number;
  title: string;
  detail: string;
  /** A stable problem type, e.g. `access-denied`. */
  type: string;
  headers?: Record<string, string | string[]> | undefined;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function answerPage(answer: ProxyAnswer): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(answer.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}p.why{background:#f6f6f6;padding:.75rem 1rem;border-left:4px solid #c33}</style></head>
<body><h1>${escapeHtml(answer.title)}</h1><p class="why">${escapeHtml(answer.detail)}</p>
<p><small>Border0 · ${answer.status}</small></p></body></html>
`;
}

function body(request: IncomingMessage, answer: ProxyAnswer): { type: string; text: string } {
  if (/\btext\/html\b/.test(String(request.headers.accept ?? ''))) {
    return { type: 'text/html; charset=utf-8', text: answerPage(answer) };
  }
  const problem = {
    type: `https://border0.dev/problems/${answer.type}`,
    title: answer.title,
    status: answer.status,
    detail: answer.detail,
  };
  return { type: 'application/problem+json', text: `${JSON.stringify(problem)}\n` };
}

export function sendAnswer(request: IncomingMessage, response: ServerResponse, answer: ProxyAnswer): void {
  const { type, text } = body(request, answer);
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(answer.status, {
    ...answer.headers,
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(request.method === 'HEAD' ? undefined : text);
}

/** The same answer on a connection that asked for an upgrade (no ServerResponse there), then closed. */
export function sendAnswerOnSocket(request: IncomingMessage, socket: Duplex, answer: ProxyAnswer): void {
  const { type, text } = body(request, answer);
  const lines = [`HTTP/1.1 ${answer.status} ${answer.title.replace(/[\r\n]/g, ' ')}`];
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    for (const one of [value].flat()) lines.push(`${name}: ${one}`);
  }
  lines.push(`content-type: ${type}`, `content-length: ${Buffer.byteLength(text)}`, 'connection: close');
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}
