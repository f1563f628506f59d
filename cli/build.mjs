/**
 * Builds the `border0` command into dist/: the CLI and the workspace packages it runs (server, proxies,
 * connector, SDK, protocol, geoip) bundled from their TypeScript by esbuild, split at dynamic imports so that
 * a command loads only what it runs; npm packages stay imports, resolved from this package's dependencies.
 * The built portal (portal/dist, built first by the root's build) is copied into dist/portal, which
 * `border0 start` serves at `/`.
 * Runs on `pnpm install` (the root's prepare), `pnpm build`, before the tests that start the CLI, and on
 * `pnpm pack` (prepack, with --require-portal: a published CLI without its portal would serve no `/`).
 *
 *   node cli/build.mjs [--require-portal] [--verbose]
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, 'dist');
const started = Date.now();
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [
    {
      name: 'npm-packages-stay-imports',
      setup(builder) {
        builder.onResolve({ filter: /^[^./]/ }, ({ path }) =>
          path.startsWith('@border0/') ? undefined : { path, external: true },
        );
      },
    },
  ],
});
const portal = join(here, '..', 'portal', 'dist');
if (existsSync(join(portal, 'index.html'))) cpSync(portal, join(outdir, 'portal'), { recursive: true });
else if (process.argv.includes('--require-portal'))
  throw new Error(`no built portal in ${portal}: run \`pnpm --filter @border0/portal run build\` first`);
if (process.argv.includes('--verbose'))
  process.stdout.write(`border0 built into ${outdir} in ${Date.now() - started} ms\n`);
