/** The proxy's own pages say why, and nothing from outside is rendered as markup. */
import { describe, expect, it } from 'vitest';
import { answerPage, escapeHtml } from './refusal-page.js';

describe('answerPage', () => {
  it('escapes the reason it shows', () => {
    const page = answerPage({
      status: 403,
      title: 'Access denied',
      type: 'access-denied',
      detail: 'eve@<script>alert(1)</script> may not use "web"',
    });
    expect(page).toContain('eve@&lt;script&gt;alert(1)&lt;/script&gt; may not use &quot;web&quot;');
    expect(page).not.toContain('<script>');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});
