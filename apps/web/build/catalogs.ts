import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import type { Plugin } from 'vite';
import { PORTAL_CATALOG_PAGES } from '../src/lib/catalogParts.ts';
import { ownPageSections, patientReach, type PatientPart } from './patientKeys.ts';

/*
 * Per-language catalog chunks, chosen at build time. `virtual:kakehashi-catalogs` exports, per
 * language, loaders of three parts: `request`, the sections the request form uses (every patient
 * page starts with it: the far link's first visit carries only these), `portal`, what the other
 * patient pages add (found by reading their code, see patientKeys.ts), and `staff`, the rest. Only
 * the chosen language is fetched, and a patient never downloads the staff console's words.
 *
 * After the build it writes `.vite/kakehashi-preload.json`: for each patient page address, the
 * chunks it needs and the catalog parts it reads, and each language's patient catalog chunks, so
 * the server can preload them in the page it renders.
 */

const ENTRY = 'virtual:kakehashi-catalogs';
/** `virtual:kakehashi-page-catalog/send`: the loaders of one page's own catalog part (OWN_CATALOG_PAGES), imported by that page only. */
const PAGE_ENTRY = 'virtual:kakehashi-page-catalog';
const PREFIX = '\0kakehashi-catalog:';
const LOCALES = ['ja', 'zh-CN', 'en'] as const;
export const PRELOAD_FILE = '.vite/kakehashi-preload.json';

export interface Preload {
  pages: Record<string, string[]>;
  /** Per language, each patient part's chunk. */
  catalogs: Record<string, Record<PatientPart, string>>;
  /** Per patient page address, the parts it reads. */
  catalogParts: Record<string, PatientPart[]>;
  /** The own catalog chunk of a page opened from a link (patientKeys.ts OWN_CATALOG_PAGES), by address and language. */
  pageCatalogs: Record<string, Record<string, string>>;
  /**
   * The staff image viewer's page opened by its address: the staff console's chunks down to the
   * viewer (Cornerstone) and, by language, the staff catalog — loaded at once, not one after another.
   */
  viewer: { files: string[]; catalogs: Record<string, string> };
}

type Catalog = Record<string, unknown>;

export function catalogs(opts: { root: string; pages: Record<string, string>; viewer: string[] }): Plugin {
  const core = path.resolve(opts.root, '../../packages/core/src/i18n/index.ts');
  let parts: Record<PatientPart, Set<string>> = { request: new Set(), portal: new Set() };
  let pageSections: Record<string, Set<string>> = {};
  let all: Record<string, Catalog> = {};
  return {
    name: 'kakehashi-catalogs',
    async buildStart() {
      const mod = (await tsImport(core, import.meta.url)) as { catalogs: Record<string, Catalog> };
      all = mod.catalogs;
      const reach = patientReach(opts.root);
      parts = reach.parts;
      pageSections = ownPageSections(opts.root, reach.sections);
      this.addWatchFile(core);
    },
    resolveId(id) {
      if (id === ENTRY || id.startsWith(`${PAGE_ENTRY}/`)) return '\0' + id;
      if (id.startsWith('kakehashi-catalog:')) return '\0' + id;
      return null;
    },
    load(id) {
      if (id === '\0' + ENTRY) {
        const loaders = (part: string) =>
          `{ ${LOCALES.map((l) => `${JSON.stringify(l)}: () => import(${JSON.stringify(`kakehashi-catalog:${l}:${part}`)})`).join(', ')} }`;
        return `export const PATIENT_CATALOGS = ${loaders('request')};\nexport const PORTAL_CATALOGS = ${loaders('portal')};\nexport const STAFF_CATALOGS = ${loaders('staff')};\n`;
      }
      if (id.startsWith(`\0${PAGE_ENTRY}/`)) {
        const address = id.slice(`\0${PAGE_ENTRY}`.length);
        if (!pageSections[address]) this.error(`${address} is not in OWN_CATALOG_PAGES`);
        return `export default { ${LOCALES.map((l) => `${JSON.stringify(l)}: () => import(${JSON.stringify(`kakehashi-catalog:${l}:${address}`)})`).join(', ')} };\n`;
      }
      if (!id.startsWith(PREFIX)) return null;
      const [locale, part] = id.slice(PREFIX.length).split(':');
      const catalog = all[locale];
      if (!catalog) this.error(`no catalog for ${locale}`);
      // The staff part is every section the patient parts leave out (a page's own sections too).
      const partOf = (section: string): string => (parts.request.has(section) ? 'request' : parts.portal.has(section) ? 'portal' : 'staff');
      const wanted = (section: string) => (part.startsWith('/') ? !!pageSections[part]?.has(section) : partOf(section) === part);
      const picked = Object.fromEntries(Object.entries(catalog).filter(([section]) => wanted(section)));
      // JSON.parse of a string literal is parsed faster than the same object literal.
      return `export default JSON.parse(${JSON.stringify(JSON.stringify(picked))});\n`;
    },
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
      const byModule = new Map(chunks.filter((c) => c.facadeModuleId).map((c) => [c.facadeModuleId!, c]));
      const byFile = new Map(chunks.map((c) => [c.fileName, c]));
      const closure = (fileName: string, out = new Set<string>()) => {
        if (out.has(fileName)) return out;
        out.add(fileName);
        for (const i of byFile.get(fileName)?.imports ?? []) closure(i, out);
        return out;
      };
      const entryFiles = new Set(chunks.filter((c) => c.isEntry).flatMap((c) => [...closure(c.fileName)]));
      const preload: Preload = { pages: {}, catalogs: {}, catalogParts: {}, pageCatalogs: {}, viewer: { files: [], catalogs: {} } };
      const chunkFor = (file: string) => {
        const id = path.resolve(opts.root, file);
        // A page grouped with others (vite.config.ts codeSplitting) is in a chunk it does not face.
        const chunk = byModule.get(id) ?? chunks.find((c) => c.moduleIds.includes(id));
        if (!chunk) this.error(`no chunk for ${file}`);
        return chunk;
      };
      const files = (sources: string[]) => [...new Set(sources.flatMap((file) => [...closure(chunkFor(file).fileName)]))].filter((f) => !entryFiles.has(f)).map((f) => `/${f}`);
      preload.viewer.files = files(opts.viewer);
      for (const [address, file] of Object.entries(opts.pages)) {
        preload.pages[address] = files([file]);
        preload.catalogParts[address] = PORTAL_CATALOG_PAGES.includes(address) ? ['request', 'portal'] : ['request'];
      }
      for (const l of LOCALES) {
        const chunkOf = (part: PatientPart) => {
          const chunk = byModule.get(`${PREFIX}${l}:${part}`);
          if (!chunk) this.error(`no ${part} catalog chunk for ${l}`);
          return `/${chunk.fileName}`;
        };
        preload.catalogs[l] = { request: chunkOf('request'), portal: chunkOf('portal') };
        preload.viewer.catalogs[l] = `/${byModule.get(`${PREFIX}${l}:staff`)?.fileName ?? this.error(`no staff catalog chunk for ${l}`)}`;
        for (const address of Object.keys(pageSections)) {
          const own = byModule.get(`${PREFIX}${l}:${address}`);
          if (!own) this.error(`no catalog chunk for ${address} in ${l}`);
          (preload.pageCatalogs[address] ??= {})[l] = `/${own.fileName}`;
        }
      }
      this.emitFile({ type: 'asset', fileName: PRELOAD_FILE, source: JSON.stringify(preload, null, 2) });
    },
  };
}
