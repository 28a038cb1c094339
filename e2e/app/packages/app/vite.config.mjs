import { defineConfig } from 'vite';

// A plain Vite build instead of @backstage/cli (hundreds of MB lighter). The output is laid
// out like the CLI's: dist/index.html with the bundle under dist/static, which is where
// @backstage/plugin-app-backend serves it from. scripts/backstage-dist.mjs adds the rest.
export default defineConfig({
  define: {
    // Backstage's frontend reads these; the CLI's webpack defines them too. Config is not
    // baked in: the backend injects it at runtime (see scripts/backstage-dist.mjs).
    'process.env.NODE_ENV': JSON.stringify('production'),
    'process.env.APP_CONFIG': '[]',
    // Node's `global`, which webpack 5 also maps to globalThis (used by @backstage/catalog-client).
    global: 'globalThis',
  },
  build: {
    outDir: 'dist',
    assetsDir: 'static',
    emptyOutDir: true,
    chunkSizeWarningLimit: 10000,
    rolldownOptions: {
      onwarn(warning, warn) {
        // MUI's 'use client' directives mean nothing in a client-only bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
