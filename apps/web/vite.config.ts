import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves dist/ under a strict CSP (script-src 'self', style-src 'self'):
// keep everything in emitted files, never inline.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Inlined assets become data: URLs; CSP allows them for images only, so keep the limit at 0.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
