import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type Manifest } from 'vite';
import { flattenKeys, en } from '@kakehashi/core/i18n';
import { ownPageSections, patientReach } from '../build/patientKeys.ts';
import { dependencyClosure, LAZY_ROOTS, packageOf } from '../build/lazyPackages.ts';

/*
 * The production build, checked from Vite's own manifest: what the patient's pages load must not
 * contain the staff console, and each language's patient catalog must hold every key they use.
 */
const root = path.resolve(import.meta.dirname, '..');
let out: string;
let manifest: Manifest;
let preload: { pages: Record<string, string[]>; catalogs: Record<string, Record<'request' | 'portal', string>>; catalogParts: Record<string, string[]>; pageCatalogs: Record<string, Record<string, string>> };
/** The modules in each emitted chunk, by file name. */
const modulesOf = new Map<string, string[]>();

/** Every source file a manifest entry loads before it runs (static imports, transitively). */
function staticClosure(key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const i of manifest[key]?.imports ?? []) staticClosure(i, seen);
  return seen;
}
const sourceOf = (file: string) => Object.entries(manifest).find(([, c]) => `/${c.file}` === file)?.[1].src ?? file;

beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'kh-web-build-'));
  const result = await build({ root, configFile: path.join(root, 'vite.config.ts'), logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
  for (const o of (Array.isArray(result) ? result : [result]) as Array<{ output: Array<{ type: string; fileName: string; moduleIds?: string[] }> }>)
    for (const c of o.output) if (c.type === 'chunk') modulesOf.set(c.fileName, c.moduleIds ?? []);
  manifest = JSON.parse(readFileSync(path.join(out, '.vite/manifest.json'), 'utf8'));
  preload = JSON.parse(readFileSync(path.join(out, '.vite/kakehashi-preload.json'), 'utf8'));
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

const STAFF = /src\/(Layout\.tsx|pages\/(admin|stats|cases\/(?!parts)|SignIn|Home|Availability|ForgotPassword|ResetPassword)|components\/(DataTable|Pager|AuditActor|Totp|scheduling\/StaffSchedule))/;

describe('the production build', () => {
  it('loads no staff page or staff component with the entry or a patient page', () => {
    const entry = [...staticClosure('index.html')].map((k) => manifest[k]?.src ?? k);
    expect(entry.filter((s) => STAFF.test(s))).toEqual([]);
    for (const [address, files] of Object.entries(preload.pages)) {
      const sources = files.map(sourceOf);
      expect(sources.filter((s) => STAFF.test(s)), address).toEqual([]);
    }
    expect(Object.keys(preload.pages).sort()).toEqual(['/device-check', '/letter', '/portal', '/portal/viewer', '/request', '/send']);
    // The request form is not part of what every page loads (the page lists leave out the entry's files).
    expect(preload.pages['/request'].length).toBeGreaterThan(0);
    // The staff pages exist, as chunks of their own.
    expect(Object.values(manifest).some((c) => c.src === 'src/pages/cases/CasePage.tsx' && c.isDynamicEntry)).toBe(true);
  });

  it('loads no router and none of the staff console\'s operations with a patient page', () => {
    const entry = [...staticClosure('index.html')].map((k) => manifest[k]?.file).filter(Boolean) as string[];
    for (const [address, files] of Object.entries(preload.pages)) {
      const modules = [...entry, ...files.map((f) => f.slice(1))].flatMap((f) => modulesOf.get(f) ?? []);
      expect(modules.length, address).toBeGreaterThan(10);
      expect(modules.filter((m) => /node_modules[\\/]react-router|contracts[\\/]staff/.test(m)), address).toEqual([]);
    }
    // The staff console still has its router.
    expect([...modulesOf.values()].flat().some((m) => /node_modules[\\/]react-router/.test(m))).toBe(true);
  });

  it('loads no Uppy module (nor any of its dependencies) with the entry or a patient page: only the uploader, on demand', () => {
    const lazyOnly = dependencyClosure(LAZY_ROOTS, root);
    const isLazy = (m: string) => lazyOnly.has(packageOf(m) ?? '');
    const entry = [...staticClosure('index.html')].map((k) => manifest[k]?.file).filter(Boolean) as string[];
    for (const [address, files] of Object.entries(preload.pages)) {
      const modules = [...entry, ...files.map((f) => f.slice(1))].flatMap((f) => modulesOf.get(f) ?? []);
      expect(modules.filter(isLazy), address).toEqual([]);
    }
    // The uploader is a chunk of its own, imported dynamically, and it does carry Uppy and tus.
    const uploader = Object.values(manifest).find((c) => c.src === 'src/lib/uploader.ts');
    expect(uploader?.isDynamicEntry).toBe(true);
    const carried = [uploader!.file, ...[...staticClosure('src/lib/uploader.ts')].map((k) => manifest[k]?.file)].flatMap((f) => modulesOf.get(f ?? '') ?? []);
    for (const pkg of ['@uppy/core', '@uppy/tus', 'tus-js-client']) expect(carried.some((m) => packageOf(m) === pkg), pkg).toBe(true);
  });

  it('keeps Cornerstone and its WebAssembly codecs to the image viewer\'s page, the codecs as files of the build', () => {
    const viewer = Object.values(manifest).find((c) => c.src === 'src/pages/cases/Viewer.tsx');
    expect(viewer?.isDynamicEntry).toBe(true);
    const carried = [viewer!.file, ...[...staticClosure('src/pages/cases/Viewer.tsx')].map((k) => manifest[k]?.file)].flatMap((f) => modulesOf.get(f ?? '') ?? []);
    for (const pkg of ['@cornerstonejs/core', '@cornerstonejs/tools', '@cornerstonejs/dicom-image-loader']) expect(carried.some((m) => packageOf(m) === pkg), pkg).toBe(true);
    // The patient's viewer page (from the portal) loads it too, on demand: nothing of the staff console with it, its words in the page's own chunk.
    expect(carried.filter((m) => /node_modules[\\/]react-router|contracts[\\/]staff/.test(m))).toEqual([]);
    expect(ownPageSections(root)['/portal/viewer']?.has('viewer')).toBe(true);
    const records = [...staticClosure('src/pages/cases/Records.tsx')].flatMap((k) => modulesOf.get(manifest[k]?.file ?? '') ?? []);
    expect(records.filter((m) => packageOf(m)?.startsWith('@cornerstonejs/'))).toEqual([]);
    const wasm = readdirSync(path.join(out, 'assets')).filter((f) => f.endsWith('.wasm'));
    for (const codec of ['openjpeg', 'charls', 'libjpegturbo']) expect(wasm.some((f) => f.includes(codec)), codec).toBe(true);
  });

  it('ships in each patient catalog part every section its pages use, and no staff section; the request form carries no portal words', () => {
    const { parts } = patientReach(root);
    for (const section of ['caseRequest', 'common', 'errors']) expect(parts.request.has(section), section).toBe(true);
    for (const section of ['portal', 'deviceCheck', 'portalRecords', 'records']) expect(parts.portal.has(section), section).toBe(true);
    for (const chunks of Object.values(preload.catalogs)) {
      for (const part of ['request', 'portal'] as const) {
        const file = chunks[part];
        const code = readFileSync(path.join(out, file), 'utf8');
        for (const section of parts[part]) expect(code, `${file}: ${section}`).toContain(`"${section}":{`);
        const other = part === 'request' ? parts.portal : parts.request;
        for (const section of [...other, 'signIn', 'audit', 'caseView', 'availability']) expect(code, `${file}: ${section}`).not.toContain(`"${section}":{`);
      }
    }
    expect(preload.catalogParts).toMatchObject({ '/request': ['request'], '/portal': ['request', 'portal'], '/device-check': ['request', 'portal'], '/send': ['request', 'portal'], '/letter': ['request', 'portal'] });
  });

  it('ships the upload-request page\'s words in a chunk of its own, not with the request form\'s first visit', () => {
    const own = ownPageSections(root)['/send'];
    expect([...own]).toContain('sendLink');
    for (const section of own) expect(patientReach(root).sections.has(section), section).toBe(false);
    for (const [locale, file] of Object.entries(preload.pageCatalogs['/send'])) {
      const code = readFileSync(path.join(out, file), 'utf8');
      for (const section of own) expect(code, `${locale}: ${section}`).toContain(`"${section}":{`);
      expect(code).not.toContain('"caseRequest":{');
      for (const part of ['request', 'portal'] as const) expect(readFileSync(path.join(out, preload.catalogs[locale][part]), 'utf8')).not.toContain('"sendLink":{');
    }
    // The page itself is not loaded with the request form either.
    const send = preload.pages['/send'].map(sourceOf);
    expect(send).toContain('src/pages/patient/Send.tsx');
    expect(preload.pages['/request'].map(sourceOf)).not.toContain('src/pages/patient/Send.tsx');
  });

  it('finds the keys of the patient pages in the reference catalog', () => {
    const keys = new Set(flattenKeys(en).map((k) => k.split('.')[0]));
    for (const section of patientReach(root).sections) expect(keys.has(section), section).toBe(true);
  });

  it('writes brotli and gzip copies beside the compressible files', () => {
    const js = Object.values(manifest).find((c) => c.isEntry)!.file;
    expect(readFileSync(path.join(out, `${js}.br`)).length).toBeGreaterThan(0);
    expect(readFileSync(path.join(out, `${js}.gz`)).length).toBeGreaterThan(0);
  });
});
