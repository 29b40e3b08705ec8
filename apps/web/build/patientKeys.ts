import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The catalog sections the patient's pages use, found by following relative imports from the
 * patient entries and reading every translation key they name (`t('section.key')`,
 * `` t(`section.${x}`) ``, `i18next.t(...)`). The catalog plugin ships exactly these sections in
 * the patient chunk of each language; staff pages load the rest.
 */
export const PATIENT_ENTRIES = ['src/main.tsx', 'src/pages/patient/Request.tsx', 'src/pages/patient/Portal.tsx', 'src/pages/DeviceCheck.tsx'];
/**
 * Patient pages opened only from a link someone is sent (the upload-request page): their own words
 * come in a chunk of their own, so the request form's first visit does not carry them.
 */
export const OWN_CATALOG_PAGES: Record<string, string> = { '/send': 'src/pages/patient/Send.tsx' };

const IMPORT = /(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'|import\('(\.{1,2}\/[^']+)'\)/g;
/** A key in a t(...) call or an i18nKey / key-like string literal, e.g. 'caseRequest.title'. */
const KEY = /\bt\(\s*['`]([a-zA-Z][\w-]*)\.[\w.${}-]/g;

export interface Reach {
  files: string[];
  sections: Set<string>;
}

/** Files reachable from the patient entries through static imports (dynamic imports are not followed). */
export function patientReach(root: string, entries: string[] = PATIENT_ENTRIES): Reach {
  const seen = new Set<string>();
  const sections = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(KEY)) sections.add(m[1]);
    for (const m of src.matchAll(IMPORT)) {
      if (!m[1]) continue; // a dynamic import: another chunk, loaded on demand
      visit(path.resolve(path.dirname(file), m[1]));
    }
  };
  for (const e of entries) visit(path.resolve(root, e));
  return { files: [...seen], sections };
}

/** The sections each page of OWN_CATALOG_PAGES uses that the patient catalog does not hold, by address. */
export function ownPageSections(root: string, patient: Set<string> = patientReach(root).sections): Record<string, Set<string>> {
  return Object.fromEntries(
    Object.entries(OWN_CATALOG_PAGES).map(([address, file]) => [address, new Set([...patientReach(root, [file]).sections].filter((s) => !patient.has(s)))]),
  );
}
