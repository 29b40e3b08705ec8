/**
 * Is the patient an image's header names the case's patient? The rules are written down in
 * docs/records.md; this module is pure (no database, no I/O) so that they can be tested alone.
 */

/** The case's patient, as the request form took it down. */
export interface CasePatient {
  nameNative: string;
  nameLatin: string;
  /** YYYY-MM-DD. */
  birthDate: string | null;
  /** male | female | other | unknown (cases.ts SEXES). */
  sex: string | null;
}

/** The patient as a DICOM header names them: PN `Family^Given^Middle^Prefix^Suffix`, groups split by `=`; DA `YYYYMMDD`; CS `M`/`F`/`O`. */
export interface HeaderPatient {
  name: string | null;
  birthDate: string | null;
  sex: string | null;
}

export const PATIENT_FIELDS = ['name', 'birthDate', 'sex'] as const;
export type PatientField = (typeof PATIENT_FIELDS)[number];

/**
 * `match`: nothing known differs; `mismatch`: at least one known field differs (`differs` says which);
 * `unchecked`: the header has neither a name nor a birth date, so there is nothing to compare.
 */
export type PatientCheck = { result: 'match'; differs: [] } | { result: 'mismatch'; differs: PatientField[] } | { result: 'unchecked'; differs: [] };

/** Punctuation that names are written with or without (Jean-Luc, O'Brien, St. John, ・ and · in transliterations). */
const IGNORED = /[\s\-‐‑–—.,'’`·・･]+/gu;

/** NFKC (full-width letters become ASCII, half-width kana full-width), case folded, spaces collapsed. */
export function normaliseName(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** A name with its spaces and ignorable punctuation removed: what two spellings are compared by. */
const squeeze = (s: string) => normaliseName(s).replace(IGNORED, '');

/**
 * The ways one PN group may spell the person's name: family then given (then middle), and given
 * (and middle) then family, each squeezed. Prefix and suffix (Dr., Jr.) are left out.
 */
function spellings(group: string): string[] {
  const [family = '', given = '', middle = ''] = group.split('^').map(squeeze);
  const out = new Set<string>();
  for (const parts of [
    [family, given, middle],
    [given, middle, family],
    [family, middle, given],
    [given, family, middle],
  ]) {
    const s = parts.join('');
    if (s) out.add(s);
  }
  return [...out];
}

/** The non-empty groups of a PN value (alphabetic, ideographic, phonetic). */
function groups(name: string): string[] {
  return name
    .split('=')
    .filter((g) => squeeze(g.replaceAll('^', '')) !== '');
}

/** The header's name is one of the case's (native or Latin), in any group, family/given in either order. */
export function namesMatch(headerName: string, c: Pick<CasePatient, 'nameNative' | 'nameLatin'>): boolean {
  const wanted = new Set([squeeze(c.nameNative), squeeze(c.nameLatin)].filter(Boolean));
  return groups(headerName).some((g) => spellings(g).some((s) => wanted.has(s)));
}

/** A DA value (YYYYMMDD, or the old YYYY.MM.DD) as YYYY-MM-DD; null when it is not a whole date. */
export function headerDate(da: string | null): string | null {
  const digits = (da ?? '').trim().replace(/[.\-/]/g, '');
  if (!/^\d{8}$/.test(digits)) return null;
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
}

/** M / F of a header, male / female of a case; anything else is not known for this comparison. */
function headerSex(cs: string | null): 'male' | 'female' | null {
  const v = (cs ?? '').trim().toUpperCase();
  return v === 'M' ? 'male' : v === 'F' ? 'female' : null;
}
const caseSex = (s: string | null) => (s === 'male' || s === 'female' ? s : null);

export function checkPatient(header: HeaderPatient, c: CasePatient): PatientCheck {
  const hasName = !!header.name && groups(header.name).length > 0;
  const born = headerDate(header.birthDate);
  if (!hasName && !born) return { result: 'unchecked', differs: [] };
  const differs: PatientField[] = [];
  if (hasName && !namesMatch(header.name!, c)) differs.push('name');
  if (born && c.birthDate && born !== c.birthDate) differs.push('birthDate');
  const hs = headerSex(header.sex);
  const cs = caseSex(c.sex);
  if (hs && cs && hs !== cs) differs.push('sex');
  return differs.length ? { result: 'mismatch', differs } : { result: 'match', differs: [] };
}
