import { describe, expect, it } from 'vitest';
import { DocumentError, parseDocument } from './document.js';

const $ = '$';
const http = { type: 'http', hostname: '127.0.0.1', port: 80 };

function problems(value: unknown) {
  try {
    parseDocument(value);
  } catch (error) {
    if (error instanceof DocumentError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('parseDocument', () => {
  it('names the path of a bad field', () => {
    const found = problems({
      sockets: [
        { name: 'web', socket_type: 'http', upstream_configuration: http },
        { name: 'db', socket_type: 'mongo', upstream_configuration: http },
      ],
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^sockets\[1\]\.socket_type: /);
  });

  it('refuses an unknown field and an unknown list', () => {
    expect(
      problems({ sockets: [{ name: 'w', socket_type: 'http', upstream_configuration: http, port: 1 }] }),
    ).toEqual(['sockets[0]: unknown field port']);
    expect(problems({ socket: [] })).toEqual([': unknown field socket']);
  });

  it('refuses a duplicate name, and an upstream of another type than the socket', () => {
    expect(problems({ connectors: [{ name: 'lab' }, { name: 'lab' }] })).toEqual([
      'connectors[1].name: lab is already connectors[0]',
    ]);
    expect(problems({ sockets: [{ name: 'w', socket_type: 'ssh', upstream_configuration: http }] })).toEqual([
      'sockets[0].upstream_configuration.type: must be the socket_type (ssh)',
    ]);
  });

  it('refuses a literal secret and takes a reference', () => {
    const ssh = (password: string) => ({
      sockets: [
        {
          name: 'box',
          socket_type: 'ssh',
          upstream_configuration: {
            type: 'ssh',
            hostname: 'h',
            authentication_type: 'username_and_password',
            password,
          },
        },
      ],
    });
    expect(problems(ssh('hunter2'))[0]).toMatch(
      /^sockets\[0\]\.upstream_configuration\.password: write a reference/,
    );
    expect(problems(ssh(`${$}{from:env:BOX_PASSWORD}`))).toEqual([]);
  });

  it('takes an email with a one-label domain, as the API does', () => {
    expect(problems({ members: [{ email: 'admin@localhost', role: 'owner' }] })).toEqual([]);
    expect(problems({ members: [{ email: 'admin', role: 'owner' }] })[0]).toMatch(/^members\[0\]\.email: /);
  });

  it('takes an empty file as an empty document', () => {
    expect(parseDocument(null)).toEqual({});
  });
});
