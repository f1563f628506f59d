/** ssh exec commands: matched exactly as the upstream runs them, control characters refused everywhere. */
import { describe, expect, it } from 'vitest';
import { commandListProblem, controlCharacterIn, quoteCommand } from './command.js';
import { decide } from './decide.js';
import { PolicyDocument } from './document.js';
import type { PolicyInput, SocketInput } from './types.js';

const ssh: SocketInput = { id: 'sock-ssh', socket_type: 'ssh', tags: {} };
const policy = (exec: { commands?: string[] }): PolicyInput => ({
  id: 'p1',
  name: 'reports',
  document: { permissions: { ssh: { exec } }, condition: {} },
  org_wide: true,
  tag_rules: [],
  socket_ids: [],
});
const exec = (commands: string[] | undefined, command: string) =>
  decide([policy(commands ? { commands } : {})], ssh, {
    identity: { email: 'alice@acme.dev' },
    action: { type: 'ssh', kind: 'exec', command },
  });
const REPORT = 'bash /tmp/report.sh';

describe('exec commands are compared exactly', () => {
  it('allows the listed command as written', () => {
    expect(exec([REPORT], REPORT).allowed).toBe(true);
  });

  it.each([
    ['a newline instead of the space (two commands to the shell)', 'bash\n/tmp/report.sh'],
    ['a carriage return instead of the space', 'bash\r/tmp/report.sh'],
    ['a tab instead of the space', 'bash\t/tmp/report.sh'],
    ['a trailing newline', `${REPORT}\n`],
    ['a trailing newline and a second command', `${REPORT}\nid`],
    ['a NUL and what follows it', `${REPORT}\u0000; id`],
    ['two spaces', 'bash  /tmp/report.sh'],
    ['a leading space', ` ${REPORT}`],
    ['a trailing space', `${REPORT} `],
    ['a no-break space', 'bash\u00a0/tmp/report.sh'],
    ['an ideographic space', 'bash\u3000/tmp/report.sh'],
    ['a Cyrillic a', 'b\u0430sh /tmp/report.sh'],
    ['a fullwidth letter', '\uff42ash /tmp/report.sh'],
    ['another case', 'Bash /tmp/report.sh'],
    ['a zero-width space', `bash \u200b/tmp/report.sh`],
  ])('denies %s', (_name, command) => {
    expect(exec([REPORT], command).allowed).toBe(false);
  });

  it('does not fold Unicode normalisation forms together', () => {
    const composed = 'cat /srv/caf\u00e9.txt';
    expect(exec([composed], composed.normalize('NFD')).allowed).toBe(false);
    expect(exec([composed], composed).allowed).toBe(true);
  });

  it('refuses a control character even where any command is allowed, saying why', () => {
    expect(exec(undefined, 'uptime; id').allowed).toBe(true);
    const d = exec(undefined, 'bash\n/tmp/report.sh');
    expect(d.allowed).toBe(false);
    const why =
      'the command "bash\\n/tmp/report.sh" contains a control character (\\n); commands with control characters are never allowed';
    expect(d.explanation[0]!.reason).toBe(`permission: ${why}`);
    expect(d.reason).toBe(`denied: ${why}`);
    expect(
      decide([], ssh, { identity: {}, action: { type: 'ssh', kind: 'exec', command: 'a\rb' } }).reason,
    ).toMatch(/^denied: the command "a\\rb" contains a control character/);
    for (const control of ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b']) {
      expect(exec(undefined, `echo a${control}b`).allowed, JSON.stringify(control)).toBe(false);
    }
  });

  it('names a refused command in reasons with its control characters made visible', () => {
    const d = exec([REPORT], 'uptime\u001b]52;c;ZWNobyBoaQ==\u0007');
    expect(d.reason).toBe(
      'denied: the command "uptime\\u001b]52;c;ZWNobyBoaQ==\\u0007" contains a control character (\\u001b); commands with control characters are never allowed',
    );
    expect(controlCharacterIn(d.explanation[0]!.reason)).toBeUndefined();
    expect(exec([REPORT], 'echo "\\"').reason).toBe(
      'denied: the one policy that applies to this socket does not allow ssh exec of "echo \\"\\\\\\""',
    );
    expect(exec([REPORT], 'uptime').explanation[0]!.reason).toBe(
      'permission: the command "uptime" is not among the allowed commands (compared exactly)',
    );
  });
});

describe('quoteCommand', () => {
  it('escapes quotes, backslashes, C0, DEL, C1 and line separators, and shortens long commands', () => {
    expect(quoteCommand('echo "a\\b"\n')).toBe('"echo \\"a\\\\b\\"\\n"');
    expect(quoteCommand('\u007f\u009b\u2028')).toBe('"\\u007f\\u009b\\u2028"');
    expect(quoteCommand('x'.repeat(300))).toBe(`"${'x'.repeat(200)}…"`);
  });
});

describe('allowed commands in a policy document', () => {
  const parse = (commands: string[]) =>
    PolicyDocument.safeParse({ permissions: { ssh: { exec: { commands } } }, condition: {} });

  it('accepts commands with shell metacharacters: they are compared exactly like any other', () => {
    expect(parse([REPORT, 'echo "a;b" | wc -c', "sudo -u app sh -c 'cd /srv && make'"]).success).toBe(true);
  });

  it.each([
    ['a newline', 'bash\n/tmp/report.sh', /control characters \(\\n at position 4\)/],
    ['a carriage return', 'uptime\r', /control characters \(\\r at position 6\)/],
    ['a tab', 'df\t-h', /control characters \(\\t/],
    ['a NUL', 'id\u0000', /control characters \(\\u0000/],
    ['an escape', 'echo \u001b[2J', /control characters \(\\u001b/],
    ['a DEL', 'id\u007f', /control characters \(\\u007f/],
    ['a C1 control', 'id\u009b', /control characters \(\\u009b/],
    ['a leading space', ' uptime', /white space/],
    ['a trailing no-break space', 'uptime\u00a0', /white space/],
    ['a lone surrogate', 'echo \ud800', /well-formed/],
  ])('refuses a command with %s, naming it', (_name, command, message) => {
    const issue = parse(['uptime', command]).error?.issues[0];
    expect(issue?.path.join('.')).toBe('permissions.ssh.exec.commands.1');
    expect(issue?.message).toMatch(message);
    expect(commandListProblem(command)).toMatch(message);
  });
});
