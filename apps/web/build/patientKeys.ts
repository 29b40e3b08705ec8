import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The catalog sections the patient's pages use, found by following relative imports from the
 * patient entries and reading every translation key they name (`t('section.key')`,
 * `` t(`section.${x}`) ``, `i18next.t(...)`). The catalog plugin ships them in two chunks per
 * language: `request`, what the request form (every patient page's start) uses — the far link's
 * first visit —, and `portal`, what the other patient pages add; staff pages load the rest.
 */
export const PATIENT_ENTRIES = {
  request: ['src/main.tsx', 'src/pages/patient/Request.tsx'],
  portal: ['src/pages/patient/Portal.tsx', 'src/pages/DeviceCheck.tsx'],
} as const;
export type PatientPart = keyof typeof PATIENT_ENTRIES;
/**
 * Patient pages opened only from a link someone is sent (the upload-request page) or from the
 * portal (its image viewer): their own words come in a chunk of their own, so neither the request
 * form nor the portal carries them. A page's modules it imports on demand are listed with it (the
 * viewer's, which brings Cornerstone).
 */
export const OWN_CATALOG_PAGES: Record<string, string | string[]> = { '/send': 'src/pages/patient/Send.tsx', '/portal/viewer': ['src/pages/patient/PortalViewer.tsx', 'src/pages/cases/Viewer.tsx'] };

const IMPORT = /(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'|import\('(\.{1,2}\/[^']+)'\)/g;
/** A key in a t(...) call or an i18nKey / key-like string literal, e.g. 'caseRequest.title'. */
const KEY = /\bt\(\s*['`]([a-zA-Z][\w-]*)\.[\w.${}-]/g;

export interface Reach {
  files: string[];
  /** Every section a patient page uses. */
  sections: Set<string>;
  /** The sections of each part: `portal` holds only those the request form does not use. */
  parts: Record<PatientPart, Set<string>>;
}

/** Files reachable from the patient entries through static imports (dynamic imports are not followed). */
export function patientReach(root: string): Reach {
  const request = reach(root, PATIENT_ENTRIES.request);
  const all = reach(root, [...PATIENT_ENTRIES.request, ...PATIENT_ENTRIES.portal]);
  const portal = new Set([...all.sections].filter((s) => !request.sections.has(s)));
  return { files: all.files, sections: all.sections, parts: { request: request.sections, portal } };
}

/** The sections each page of OWN_CATALOG_PAGES uses that the patient parts do not hold, by address. */
export function ownPageSections(root: string, patient: Set<string> = patientReach(root).sections): Record<string, Set<string>> {
  return Object.fromEntries(
    Object.entries(OWN_CATALOG_PAGES).map(([address, files]) => [address, new Set([...reach(root, [files].flat()).sections].filter((s) => !patient.has(s)))]),
  );
}

function reach(root: string, entries: readonly string[]): { files: string[]; sections: Set<string> } {
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
