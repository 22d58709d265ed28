/**
 * The portal's build: `vite build web` (or the JS API with root = web/) writes web/dist, which the API
 * server serves at / (src/api/routes/portal.ts). The app imports the zod contract from ../src/contract
 * directly, so the portal parses responses with the very schemas the server validates with.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One vendor chunk (react, zod) and one app chunk; uPlot only loads with the cluster page.
    chunkSizeWarningLimit: 800,
  },
  // `vite web` in development: the contract lives one level up; API calls go to a running server.
  server: {
    fs: { allow: ['..'] },
    proxy: { '/v1': 'http://127.0.0.1:7080', '/healthz': 'http://127.0.0.1:7080' },
  },
});
