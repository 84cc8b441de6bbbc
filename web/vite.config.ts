import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The SPA lives in web/ and builds to web/dist, which the server serves at `/`. */
export default defineConfig({
  root: here,
  plugins: [react()],
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    host: '127.0.0.1',
    // `npx vite --config web/vite.config.ts` with the API on CTS_PORT (default 3000).
    proxy: { '/api': `http://127.0.0.1:${process.env.CTS_PORT ?? '3000'}` },
  },
});
