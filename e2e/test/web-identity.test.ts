/**
 * Tokens for automation from CI without long-lived secrets, across real processes: a real OIDC provider
 * (oidc-provider) plays the CI system's issuer and gives each job a signed JWT; an admin makes a service
 * account trust it with the `border0` CLI; the job runs `border0 login --web-identity-token` and then uses
 * the platform as the service account. Tokens for another audience, of another job (subject), of a job with
 * another repository claim, expired ones and those of an issuer the account does not trust are refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  border0,
  type Platform,
  startPlatform,
  startTestCiIssuer,
  type TestCiIssuer,
  tempDir,
} from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const AUDIENCE = 'https://border0.test';

let platform: Platform;
let ci: TestCiIssuer;
let stranger: TestCiIssuer;
/** The admin's CLI (logged in by `border0 start`). */
let admin: Record<string, string>;

/** A fresh CLI configuration: a CI job's machine, with nothing stored. */
const jobEnv = () => ({ BORDER0_CONFIG_DIR: tempDir('job-config'), BORDER0_API_URL: platform.url });

const login = (env: Record<string, string>, token: string, account = 'deploy') =>
  border0(
    [
      'login',
      '--web-identity-token',
      token,
      '--org',
      'local',
      '--service-account',
      account,
      '--output',
      'json',
    ],
    env,
  );

beforeAll(async () => {
  ci = await startTestCiIssuer({
    jobs: {
      'acme-app': { repository: 'acme/app' },
      'acme-fork': { repository: 'evil/app' },
      other: { repository: 'other/app' },
    },
  });
  stranger = await startTestCiIssuer({ jobs: { 'acme-app': { repository: 'acme/app' } } });
  admin = { BORDER0_CONFIG_DIR: tempDir('admin-config') };
  platform = await startPlatform(['--data-dir', tempDir('data'), '--no-proxy'], admin);
  admin.BORDER0_API_URL = platform.url;
  const steps = [
    ['service-account', 'create', 'deploy', '--role', 'read_only'],
    [
      'service-account',
      'trust',
      'add',
      'deploy',
      '--name',
      'ci',
      '--issuer',
      ci.issuer,
      '--audience',
      AUDIENCE,
      '--subject',
      'acme-*',
      '--claim',
      'repository=acme/app',
    ],
    ['socket', 'create', '--name', 'web', '--type', 'http', '--upstream', 'http://127.0.0.1:3000'],
  ];
  for (const args of steps) {
    const done = await border0(args, admin);
    expect(done.code, `${args.join(' ')}: ${done.stderr}`).toBe(0);
  }
});

afterAll(async () => {
  await platform?.stop();
  await ci?.close();
  await stranger?.close();
});

describe('border0 login --web-identity-token', () => {
  it('lists what the service account trusts', async () => {
    const listed = await border0(['service-account', 'trust', 'ls', 'deploy', '--output', 'json'], admin);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        name: 'ci',
        issuer: ci.issuer,
        audience: AUDIENCE,
        subject: 'acme-*',
        claims: { repository: 'acme/app' },
      }),
    ]);
  });

  it('logs a CI job in as the service account with its OIDC token, from a flag or a file', async () => {
    const env = jobEnv();
    const done = await login(env, await ci.token('acme-app', AUDIENCE));
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({
      organization: 'local',
      service_account: 'deploy',
      role: 'read_only',
    });
    const whoami = await border0(['whoami', '--output', 'json'], env);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ name: 'local', role: 'read_only' });
    const sockets = await border0(['socket', 'ls', '--output', 'json'], env);
    expect(sockets.code, sockets.stderr).toBe(0);
    expect(JSON.parse(sockets.stdout).map((s: { name: string }) => s.name)).toEqual(['web']);
    // A read_only account reads, and changes nothing.
    const create = await border0(
      ['socket', 'create', '--name', 'nope', '--type', 'http', '--upstream', 'http://127.0.0.1:3001'],
      env,
    );
    expect(create.code).toBe(1);

    // The way CI systems hand the token over: a file whose path is in the environment.
    const fromFile = jobEnv();
    const file = join(tempDir('oidc'), 'token');
    writeFileSync(file, `${await ci.token('acme-app', AUDIENCE)}\n`);
    const viaEnv = await border0(['login', '--org', 'local', '--service-account', 'deploy'], {
      ...fromFile,
      BORDER0_WEB_IDENTITY_TOKEN_FILE: file,
    });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(viaEnv.stdout).toMatch(/logged in to local as service account deploy \(read_only\) until /);
    expect((await border0(['socket', 'ls'], fromFile)).code).toBe(0);

    const audit = await border0(
      ['audit', 'ls', '--action', 'service_account.web_identity.exchange', '--output', 'json'],
      admin,
    );
    expect(audit.code, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: 'service_account:deploy',
          details: expect.objectContaining({ issuer: ci.issuer, subject: 'acme-app', web_identity: 'ci' }),
        }),
      ]),
    );
  });

  it('refuses a token for another audience, of another subject or claim, expired, or of an untrusted issuer', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let expired: string;
    try {
      // The issuer's clock an hour behind: the token it signs expired long ago.
      vi.setSystemTime(Date.now() - 60 * 60 * 1000);
      expired = await ci.token('acme-app', AUDIENCE);
    } finally {
      vi.useRealTimers();
    }
    const refused = {
      'wrong audience': await ci.token('acme-app', 'https://elsewhere.test'),
      'wrong subject': await ci.token('other', AUDIENCE),
      'wrong repository claim': await ci.token('acme-fork', AUDIENCE),
      expired,
      'untrusted issuer': await stranger.token('acme-app', AUDIENCE),
    };
    for (const [why, token] of Object.entries(refused)) {
      const env = jobEnv();
      const done = await login(env, token);
      expect(done.code, why).toBe(1);
      expect(done.stderr, why).toMatch(/web identity token was refused/);
      expect((await border0(['socket', 'ls'], env)).code, why).not.toBe(0);
    }
  });
});
