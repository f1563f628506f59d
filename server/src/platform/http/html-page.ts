/**
 * The server's few HTML pages (device approval, browser login): one layout, no external assets, a strict
 * CSP, and escaped output. Forms post only to this origin, and to `formTargets` (the HTTP socket a login
 * returns to: browsers apply `form-action` to the redirect a form's answer makes).
 */
export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

export function securityHeaders(formTargets: string[] = []): Record<string, string> {
  const targets = formTargets.filter((t) => /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/.test(t));
  return {
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${["'self'", ...targets].join(' ')}`,
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  };
}

export const SECURITY_HEADERS = securityHeaders();

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Border0</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00}.note{color:#555}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

export const errorLine = (error: string | undefined) =>
  error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
