import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import type { Plugin } from 'vite';
import { PORTAL_CATALOG_PAGES } from '../src/lib/catalogParts.ts';
import { patientReach, type PatientPart } from './patientKeys.ts';

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
const PREFIX = '\0kakehashi-catalog:';
const LOCALES = ['ja', 'zh-CN', 'en'] as const;
export const PRELOAD_FILE = '.vite/kakehashi-preload.json';

export interface Preload {
  pages: Record<string, string[]>;
  /** Per language, each patient part's chunk. */
  catalogs: Record<string, Record<PatientPart, string>>;
  /** Per patient page address, the parts it reads. */
  catalogParts: Record<string, PatientPart[]>;
}

type Catalog = Record<string, unknown>;

export function catalogs(opts: { root: string; pages: Record<string, string> }): Plugin {
  const core = path.resolve(opts.root, '../../packages/core/src/i18n/index.ts');
  let parts: Record<PatientPart, Set<string>> = { request: new Set(), portal: new Set() };
  let all: Record<string, Catalog> = {};
  return {
    name: 'kakehashi-catalogs',
    async buildStart() {
      const mod = (await tsImport(core, import.meta.url)) as { catalogs: Record<string, Catalog> };
      all = mod.catalogs;
      parts = patientReach(opts.root).parts;
      this.addWatchFile(core);
    },
    resolveId(id) {
      if (id === ENTRY) return '\0' + ENTRY;
      if (id.startsWith('kakehashi-catalog:')) return '\0' + id;
      return null;
    },
    load(id) {
      if (id === '\0' + ENTRY) {
        const loaders = (part: string) =>
          `{ ${LOCALES.map((l) => `${JSON.stringify(l)}: () => import(${JSON.stringify(`kakehashi-catalog:${l}:${part}`)})`).join(', ')} }`;
        return `export const PATIENT_CATALOGS = ${loaders('request')};\nexport const PORTAL_CATALOGS = ${loaders('portal')};\nexport const STAFF_CATALOGS = ${loaders('staff')};\n`;
      }
      if (!id.startsWith(PREFIX)) return null;
      const [locale, part] = id.slice(PREFIX.length).split(':');
      const catalog = all[locale];
      if (!catalog) this.error(`no catalog for ${locale}`);
      const partOf = (section: string): string => (parts.request.has(section) ? 'request' : parts.portal.has(section) ? 'portal' : 'staff');
      const picked = Object.fromEntries(Object.entries(catalog).filter(([section]) => partOf(section) === part));
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
      const preload: Preload = { pages: {}, catalogs: {}, catalogParts: {} };
      for (const [address, file] of Object.entries(opts.pages)) {
        const id = path.resolve(opts.root, file);
        // A page grouped with others (vite.config.ts codeSplitting) is in a chunk it does not face.
        const chunk = byModule.get(id) ?? chunks.find((c) => c.moduleIds.includes(id));
        if (!chunk) this.error(`no chunk for ${file}`);
        preload.pages[address] = [...closure(chunk.fileName)].filter((f) => !entryFiles.has(f)).map((f) => `/${f}`);
        preload.catalogParts[address] = PORTAL_CATALOG_PAGES.includes(address) ? ['request', 'portal'] : ['request'];
      }
      for (const l of LOCALES) {
        const chunkOf = (part: PatientPart) => {
          const chunk = byModule.get(`${PREFIX}${l}:${part}`);
          if (!chunk) this.error(`no ${part} catalog chunk for ${l}`);
          return `/${chunk.fileName}`;
        };
        preload.catalogs[l] = { request: chunkOf('request'), portal: chunkOf('portal') };
      }
      this.emitFile({ type: 'asset', fileName: PRELOAD_FILE, source: JSON.stringify(preload, null, 2) });
    },
  };
}
