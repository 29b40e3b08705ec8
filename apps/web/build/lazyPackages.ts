import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The npm packages only lazily loaded modules use — the uploader (Uppy), the statistics' charts
 * (ECharts), the history import's CSV reader (csv-parse) and the image viewer (Cornerstone) — with everything they depend on, read from the installed package.json files, so the
 * build keeps them out of the 'vendor' chunk that every page loads, and a test can check that no
 * patient page loads one of them up front.
 */
export const LAZY_ROOTS = [
  '@uppy/core',
  '@uppy/tus',
  'echarts',
  'csv-parse',
  '@cornerstonejs/core',
  '@cornerstonejs/tools',
  '@cornerstonejs/dicom-image-loader',
  '@cornerstonejs/calculate-suv',
  // Cornerstone's peer dependencies (npm installs them beside it).
  '@cornerstonejs/metadata',
  'dicom-parser',
  '@kitware/vtk.js',
  'd3-array',
  'd3-interpolate',
  'gl-matrix',
];

/** The package a module belongs to, from its path: the name after the last node_modules/. */
export function packageOf(id: string): string | null {
  const m = id.replace(/\\/g, '/').match(/.*\/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  return m ? m[1]! : null;
}

/** The packages of `roots` and, transitively, their runtime dependencies, as installed under `from`. */
export function dependencyClosure(roots: string[], from: string): Set<string> {
  const names = new Set<string>();
  const visit = (name: string, dir: string) => {
    for (let d = dir; ; d = path.dirname(d)) {
      const at = path.join(d, 'node_modules', name);
      if (existsSync(path.join(at, 'package.json'))) {
        if (names.has(name)) return;
        names.add(name);
        const pkg = JSON.parse(readFileSync(path.join(at, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
        for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, at);
        return;
      }
      if (path.dirname(d) === d) throw new Error(`${name} is not installed (looked from ${dir})`);
    }
  };
  for (const r of roots) visit(r, from);
  return names;
}
