import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { catalogs } from './build/catalogs.ts';
import { precompress } from './build/precompress.ts';
import { dependencyClosure, LAZY_ROOTS, packageOf } from './build/lazyPackages.ts';

/** Uppy, ECharts and their dependencies: only the uploader and the indicators' chart (each loaded on demand) use them. */
const lazyOnly = dependencyClosure(LAZY_ROOTS, import.meta.dirname);
const VENDOR = /node_modules[\\/](?!react-router)|packages[\\/]core[\\/]src[\\/](?!contracts[\\/](staff|uploadLink|reportLink))/;

// The server serves dist/ under a strict CSP (script-src 'self', style-src 'self'):
// keep everything in emitted files, never inline.
export default defineConfig({
  plugins: [
    react(),
    catalogs({
      root: import.meta.dirname,
      // The patient pages by address (src/pages.ts loads the same modules): the server preloads their chunks.
      pages: { '/request': 'src/pages/patient/Request.tsx', '/portal': 'src/pages/patient/Portal.tsx', '/portal/viewer': 'src/pages/patient/PortalViewer.tsx', '/device-check': 'src/pages/DeviceCheck.tsx', '/send': 'src/pages/patient/Send.tsx', '/letter': 'src/pages/patient/Letter.tsx' },
      // The staff viewer's page opened by its address (a cold start): what App.tsx loads on the way to it (src/pages.ts).
      viewer: ['src/App.tsx', 'src/Layout.tsx', 'src/pages/cases/ViewerPage.tsx', 'src/lib/viewer/dicom.ts'],
    }),
    precompress(),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Inlined assets become data: URLs; CSP allows them for images only, so keep the limit at 0.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    manifest: true,
    rolldownOptions: {
      // vtk.js declares no module free of side effects, so its WebGPU renderer (which only registers
      // itself) would stay in the viewer's bundle; Cornerstone draws with WebGL and never uses it.
      treeshake: { moduleSideEffects: [{ test: /node_modules[\\/]@kitware[\\/]vtk\.js[\\/]Rendering[\\/]WebGPU[\\/]/, sideEffects: false }] },
      output: {
        // Fewer, larger files: over HTTP/1.1 a browser opens six connections, and on a far link
        // every request queued behind them waits another round trip.
        codeSplitting: {
          groups: [
            // Libraries and the shared schemas: loaded by every page, cached for a year. The router and
            // the staff console's operations stay out: they go with the staff console (and the upload-request page's, with it).
            // The uploader's and the chart's libraries stay out too: they go with the uploader and the chart.
            { name: 'vendor', test: (id) => VENDOR.test(id) && !lazyOnly.has(packageOf(id) ?? ''), priority: 20 },
            // The request form page and the pieces it uses, in one file (staff pages that share a piece load it too).
            // Only the modules named: with their dependencies (i18n, API client) it would be pulled into every page.
            // The sending part the portal and the upload-request page share, in one file rather than a few.
            { name: 'sending', includeDependenciesRecursively: false, test: /src[\\/](components[\\/](records[\\/]SendFiles|LanguageMark)|lib[\\/](uploadProgress|droppedFiles))/, priority: 10 },
            { name: 'request', includeDependenciesRecursively: false, test: /src[\\/](pages[\\/]patient[\\/]Request|components[\\/](RequestForm|Field|PageHead|Alert)|lib[\\/](portal|useDocumentTitle|time|regions))/, priority: 10 },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
