import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// Built into dist/ and served by the API at `/` (see api/src/portal/serve-portal.ts). In
// development, `npm run dev -w portal` proxies /v1 to an API on :8080.
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    // No inline script anywhere: the page's policy forbids it.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/.well-known': 'http://127.0.0.1:8080' } },
});
