/** The portal's build: static files in dist/, served by the server at `/` (server/src/web-login/portal-routes.ts). */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, modulePreload: { polyfill: false } },
});
