import { Border0Error, Border0NetworkError } from '@border0/sdk';
import { describe, expect, it } from 'vitest';
import { CliError, describeFailure, UsageError } from './errors.js';

describe('describeFailure', () => {
  it('names the failing fields of a validation error', () => {
    const error = new Border0Error({
      type: '/problems/validation',
      title: 'Invalid request',
      status: 400,
      detail: 'upstream_configuration.port: Too big',
      errors: [
        { field: 'upstream_configuration.port', message: 'Too big: expected number to be <=65535' },
        { field: 'name', message: 'must be a DNS label' },
      ],
    });
    expect(describeFailure(error)).toEqual({
      message:
        'upstream_configuration.port: Too big: expected number to be <=65535; name: must be a DNS label',
      exitCode: 1,
    });
  });

  it('says how to log in again when the token is refused', () => {
    const error = new Border0Error({
      type: '/problems/unauthenticated',
      title: 'x',
      status: 401,
      detail: 'bad token',
    });
    expect(describeFailure(error).message).toBe('bad token (log in with: border0 login --token <token>)');
  });

  it('explains an unreachable API with the socket error code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6080'), { code: 'ECONNREFUSED' });
    const error = new Border0NetworkError('http://127.0.0.1:6080/api/v1/sockets?limit=50', {
      cause: new TypeError('fetch failed', { cause: refused }),
    });
    expect(describeFailure(error)).toEqual({
      message:
        'cannot reach the Border0 API at http://127.0.0.1:6080 (ECONNREFUSED) — is it running? (border0 start)',
      exitCode: 1,
    });
  });

  it('exits 2 for usage errors and 1 for everything else', () => {
    expect(describeFailure(new UsageError('bad flag')).exitCode).toBe(2);
    expect(describeFailure(new CliError('not logged in')).exitCode).toBe(1);
    expect(describeFailure(new Error('first\nsecond'))).toEqual({ message: 'first', exitCode: 1 });
  });
});
