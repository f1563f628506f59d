/**
 * The published packages as a user gets them: `pnpm pack` builds @border0/sdk and @border0/cli (their prepack),
 * the tarballs hold what runs and nothing of the workspace (no tests, no TypeScript sources, no `workspace:` or
 * `catalog:` versions), and npm installs both into an empty folder, where the installed `border0` starts the
 * platform (serving the portal from the package) and administers it, and an ESM script on the installed SDK,
 * type-checked against the SDK's published types, lists its sockets.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Platform, ROOT, startPlatform, tempDir } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACKAGES = { sdk: '@border0/sdk', cli: '@border0/cli' } as const;
type Name = keyof typeof PACKAGES;

interface Packed {
  tarball: string;
  /** Every file in the tarball, relative to its `package/` folder. */
  files: string[];
  manifest: Record<string, unknown> & {
    dependencies?: Record<string, string>;
    exports?: Record<string, unknown>;
    engines?: Record<string, string>;
  };
}

/** npm of the test's own environment, without the settings a pnpm script run passes down to its children. */
const npmEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !key.startsWith('BORDER0_') &&
        !/^npm_(package|lifecycle)_/i.test(key) &&
        !(/^npm_config_/i.test(key) && !/^npm_config_(nodedir|cache|registry)$/i.test(key)),
    ),
  );

const packDir = tempDir('packs');
const packed = {} as Record<Name, Packed>;

beforeAll(async () => {
  // Both at once: each build is mostly one process (tsc, vite and esbuild), and the machine has two cores.
  const pack = async (name: Name) => {
    // `pnpm pack` runs the package's prepack (its build) and writes the manifest npm will see.
    const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', packDir], {
      cwd: join(ROOT, name),
      env: npmEnv(),
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
    const tarball = (JSON.parse(stdout.slice(stdout.search(/^\{/m))) as { filename: string }).filename;
    const listing = await run('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
    const files = listing.stdout
      .split('\n')
      .filter(Boolean)
      .map((path) => path.replace(/^package\//, ''));
    const manifest = JSON.parse((await run('tar', ['-xOzf', tarball, 'package/package.json'])).stdout);
    packed[name] = { tarball, files, manifest };
  };
  await Promise.all((Object.keys(PACKAGES) as Name[]).map(pack));
}, 180_000);

afterAll(() => rmSync(packDir, { recursive: true, force: true }));

describe('packed tarballs', () => {
  it.each(Object.keys(PACKAGES) as Name[])(
    '%s: a README, a LICENSE, no tests, no sources, no maps',
    (name) => {
      const { files, manifest } = packed[name];
      expect(manifest.name).toBe(PACKAGES[name]);
      expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
      expect(files.filter((file) => /\.test(-d)?\.|(^|\/)test\//.test(file))).toEqual([]);
      expect(files.filter((file) => /\.(ts|tsx|mts|cts)$/.test(file) && !/\.d\.ts$/.test(file))).toEqual([]);
      expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
      expect(manifest.license).toBe('Apache-2.0');
      expect(readFileSync(join(ROOT, name, 'LICENSE'), 'utf8')).toBe(
        readFileSync(join(ROOT, 'LICENSE'), 'utf8'),
      );
      expect(manifest.engines?.node).toMatch(/^>=\d+/);
      expect(manifest.repository).toMatchObject({ type: 'git', directory: name });
    },
  );

  it.each(Object.keys(PACKAGES) as Name[])('%s: every dependency has a registry version', (name) => {
    const { manifest } = packed[name];
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'] as const) {
      const deps = (manifest[field] ?? {}) as Record<string, string>;
      for (const [dep, version] of Object.entries(deps)) {
        expect(`${dep}@${version}`).toMatch(/@[~^]?\d+\.\d+\.\d+/);
        // What the CLI bundles (the workspace's packages) is never a dependency: none of them is published but the SDK.
        expect(dep.startsWith('@border0/'), `${name} depends on ${dep}`).toBe(false);
      }
    }
  });

  it('sdk: built JavaScript with declarations, exported per subpath', () => {
    const { files, manifest } = packed.sdk;
    expect(manifest.exports).toEqual({
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './*': { types: './dist/*/index.d.ts', default: './dist/*/index.js' },
    });
    expect(manifest.types).toBe('./dist/index.d.ts');
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.d.ts',
        'dist/policy/index.js',
        'dist/policy/index.d.ts',
      ]),
    );
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual([
      'openapi-fetch',
      'openapi-typescript-helpers',
      'zod',
    ]);
  });

  it('cli: the bundle, the portal, and every npm package the bundle imports as a dependency', async () => {
    const { tarball, files, manifest } = packed.cli;
    expect(manifest.bin).toEqual({ border0: './bin/border0.js' });
    expect(files).toEqual(
      expect.arrayContaining(['bin/border0.js', 'dist/main.js', 'dist/portal/index.html']),
    );
    const dir = tempDir('cli-tarball');
    try {
      await run('tar', ['-xzf', tarball, '-C', dir]);
      const imported = new Set<string>();
      // esbuild's static and dynamic imports, and what createRequire loads or resolves (ssh2 internals, Redoc's
      // bundle, the mmdb file): a path inside a package.
      const specifiers = [
        /\bfrom\s*"([^"\n]+)";/g,
        /\bimport\s*"([^"\n]+)";/g,
        /\bimport\("([^"\n]+)"\)/g,
        /\brequire\d*\("([^"\n]+)"\)/g,
        /\bresolve\d*\("([^"\n]+\/[^"\n]+)"\)/g,
      ];
      const packageName = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*/i;
      for (const file of files.filter((path) => /^dist\/[^/]+\.js$/.test(path))) {
        const code = readFileSync(join(dir, 'package', file), 'utf8');
        for (const [, path] of specifiers.flatMap((pattern) => [...code.matchAll(pattern)])) {
          if (path!.startsWith('.') || path!.startsWith('node:') || builtinModules.includes(path!)) continue;
          imported.add(packageName.exec(path!)?.[0] ?? path!);
        }
      }
      expect([...imported].filter((name) => !manifest.dependencies?.[name])).toEqual([]);
      expect(imported).toContain('@electric-sql/pglite');
      expect(imported).toContain('@redocly/cli'); // resolved, not imported: the API reference's bundle
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('installed with npm into an empty folder', () => {
  let project: string | undefined;
  let platform: Platform | undefined;

  afterAll(async () => {
    await platform?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('runs `border0 start`, `border0 socket ls` and an SDK script', async () => {
    const folder = tempDir('npm-project');
    project = folder;
    const env = { BORDER0_CONFIG_DIR: join(folder, 'config') };
    const installedBin = join(folder, 'node_modules', '.bin', 'border0');
    writeFileSync(
      join(folder, 'package.json'),
      '{ "name": "try-border0", "private": true, "type": "module" }\n',
    );
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', packed.sdk.tarball, packed.cli.tarball],
      { cwd: folder, env: npmEnv(), maxBuffer: 16 * 1024 * 1024, timeout: 150_000 },
    );
    // One PGlite (26 MB): no dependency's peer range pulls in a second one beside the CLI's.
    const { stdout: pglites } = await run('npm', ['ls', '--all', '--parseable', '@electric-sql/pglite'], {
      cwd: folder,
      env: npmEnv(),
    });
    expect(pglites.split('\n').filter(Boolean)).toHaveLength(1);

    const installed = join(folder, 'node_modules', '@border0', 'cli');
    platform = await startPlatform(['--data-dir', join(folder, 'data')], env, 60_000, {
      bin: join(installed, 'bin', 'border0.js'),
      cwd: folder,
    });
    const url = platform.url;

    // The portal is served from the installed package (its assets need no login).
    const index = readFileSync(join(installed, 'dist', 'portal', 'index.html'), 'utf8');
    const script = index.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}${script}`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe(readFileSync(join(installed, 'dist', 'portal', script!), 'utf8'));

    // The installed bin (node_modules/.bin, through its shebang), logged in by the start.
    const cli = (args: string[]) =>
      run(installedBin, args, { cwd: folder, env: { ...npmEnv(), ...env }, timeout: 30_000 });
    await cli(['socket', 'create', '--name', 'web', '--type', 'http', '--upstream', 'http://127.0.0.1:3000']);
    const listed = JSON.parse((await cli(['socket', 'ls', '--output', 'json'])).stdout) as { name: string }[];
    expect(listed.map((socket) => socket.name)).toEqual(['web']);

    // An SDK script, as an integrator writes it: ESM, the package's own name, the policy engine by subpath.
    writeFileSync(
      join(folder, 'list-sockets.mjs'),
      `import { createClient } from '@border0/sdk';
import { compilePolicy } from '@border0/sdk/policy';
const b0 = createClient({ baseUrl: process.env.BORDER0_API_URL, token: process.env.BORDER0_TOKEN });
const names = [];
for await (const socket of b0.paginate('/api/v1/sockets')) names.push(socket.name);
console.log(JSON.stringify({ names, policyEngine: typeof compilePolicy }));
`,
    );
    const token = readFileSync(join(folder, 'data', 'admin-token'), 'utf8').trim();
    const sdk = await run(process.execPath, ['list-sockets.mjs'], {
      cwd: folder,
      env: { ...npmEnv(), BORDER0_API_URL: url, BORDER0_TOKEN: token },
      timeout: 30_000,
    });
    expect(JSON.parse(sdk.stdout)).toEqual({ names: ['web'], policyEngine: 'function' });

    // The same in TypeScript, checked against the published declarations: a wrong path is a type error.
    writeFileSync(
      join(folder, 'typed.ts'),
      `import { createClient, type Schema } from '@border0/sdk';
import { compilePolicy } from '@border0/sdk/policy';
const b0 = createClient({ baseUrl: 'http://127.0.0.1:6080' });
export const sockets: Promise<{ items: Schema<'Socket'>[] }> = b0.get('/api/v1/sockets');
// @ts-expect-error: the contract has no such path
export const wrong = b0.get('/api/v1/no-such-path');
export const compile: typeof compilePolicy = compilePolicy;
`,
    );
    writeFileSync(
      join(folder, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          lib: ['es2023', 'dom'],
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const typeErrors = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: folder,
      timeout: 60_000,
    }).then(
      () => '',
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    );
    expect(typeErrors).toBe('');
  }, 300_000);
});
