/*
 * The study as DICOMweb gives it (DICOM JSON, PS3.18 F.2), read into what the viewer needs: the
 * series, each series' images in order with their Cornerstone image IDs, and the few header values
 * the overlays, the presets and the metadata panel show. No Cornerstone here: tested on its own.
 */

/** Where the viewer reads studies: the server's DICOMweb API, same origin, with the session cookie. */
export const DICOMWEB_BASE = '/api/v1/dicomweb';

/**
 * The patient's portal link token when the patient opens their own images: every DICOMweb request
 * (these reads and the image loader's) sends it as a Bearer header, never in an address. Null: the
 * staff session's cookie.
 */
let bearer: string | null = null;
export function setDicomwebToken(token: string | null): void {
  bearer = token;
}
/** The headers that authenticate a DICOMweb request besides the cookie. */
export const dicomwebHeaders = (): Record<string, string> => (bearer ? { Authorization: `Bearer ${bearer}` } : {});

/** One data set in DICOM JSON: tag (8 hex digits) → element. */
export type DicomJson = Record<string, DicomElement | undefined>;
export interface DicomElement {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
}

export const TAG = {
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  StudyDate: '00080020',
  SeriesDate: '00080021',
  AcquisitionDate: '00080022',
  SeriesTime: '00080031',
  AcquisitionTime: '00080032',
  Modality: '00080060',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  PatientSize: '00101020',
  PatientWeight: '00101030',
  SliceThickness: '00180050',
  RadiopharmaceuticalStartTime: '00181072',
  RadionuclideTotalDose: '00181074',
  RadionuclideHalfLife: '00181075',
  RadiopharmaceuticalStartDateTime: '00181078',
  ActualFrameDuration: '00181242',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  SliceLocation: '00201041',
  NumberOfSeriesRelatedInstances: '00201209',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  CorrectedImage: '00280051',
  WindowCenter: '00281050',
  WindowWidth: '00281051',
  RadiopharmaceuticalInformationSequence: '00540016',
  Units: '00541001',
  DecayCorrection: '00541102',
  FrameReferenceTime: '00541300',
} as const;

/** The element's values (empty when absent). */
export const values = (ds: DicomJson, tag: string): unknown[] => ds[tag]?.Value ?? [];

/** The element's first value as text; person names as their alphabetic form. */
export function text(ds: DicomJson, tag: string): string | null {
  const v = values(ds, tag)[0];
  if (v == null) return null;
  if (typeof v === 'object') return (v as { Alphabetic?: string }).Alphabetic ?? null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

/** The element's first value as a number (DS and IS come as numbers or strings), or null. */
export function num(ds: DicomJson, tag: string, index = 0): number | null {
  const v = values(ds, tag)[index];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** Every value as a number (null when one is missing or not a number). */
export function nums(ds: DicomJson, tag: string, count: number): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = num(ds, tag, i);
    if (n === null) return null;
    out.push(n);
  }
  return out;
}

/** A DICOM person name (Family^Given^Middle^Prefix^Suffix) as words: "YAMADA^Taro" → "YAMADA Taro". */
export const personName = (name: string | null) => (name ? name.split('^').map((p) => p.trim()).filter(Boolean).join(' ') || null : null);

/** A DICOM date (YYYYMMDD) as an ISO date, or null. */
export const isoDate = (d: string | null) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : null);

export interface SeriesInfo {
  uid: string;
  number: number | null;
  modality: string | null;
  description: string | null;
  instances: number | null;
}

/** The series of a QIDO-RS answer, in series-number order. */
export function seriesList(answer: DicomJson[]): SeriesInfo[] {
  return answer
    .map((ds) => ({
      uid: text(ds, TAG.SeriesInstanceUID) ?? '',
      number: num(ds, TAG.SeriesNumber),
      modality: text(ds, TAG.Modality),
      description: text(ds, TAG.SeriesDescription),
      instances: num(ds, TAG.NumberOfSeriesRelatedInstances),
    }))
    .filter((s) => s.uid !== '')
    .sort((a, b) => (a.number ?? Infinity) - (b.number ?? Infinity) || a.uid.localeCompare(b.uid));
}

/** A slice's place along the stack: its position on the normal of its orientation (null when the header lacks either). */
export function positionAlongNormal(ds: DicomJson): number | null {
  const o = nums(ds, TAG.ImageOrientationPatient, 6);
  const p = nums(ds, TAG.ImagePositionPatient, 3);
  if (!o || !p) return null;
  const normal = [o[1]! * o[5]! - o[2]! * o[4]!, o[2]! * o[3]! - o[0]! * o[5]!, o[0]! * o[4]! - o[1]! * o[3]!];
  return normal[0]! * p[0]! + normal[1]! * p[1]! + normal[2]! * p[2]!;
}

export interface Frame {
  imageId: string;
  /** The instance this frame is of (its header). */
  instance: DicomJson;
  /** Its place along the stack (for syncing two series), or null. */
  position: number | null;
}

/**
 * The series' frames in reading order: instances by their position along the stack (head first,
 * as the scanner's instance numbers usually run), else by instance number; a multi-frame instance
 * gives one frame per frame number. Each frame's image ID is Cornerstone's `wadors:` address of
 * its WADO-RS frame.
 */
export function framesOf(studyUid: string, seriesUid: string, instances: DicomJson[], base = DICOMWEB_BASE): Frame[] {
  const keyed = instances.map((ds) => ({ ds, position: positionAlongNormal(ds), number: num(ds, TAG.InstanceNumber) }));
  const byPosition = keyed.every((k) => k.position !== null) && new Set(keyed.map((k) => k.position)).size === keyed.length;
  keyed.sort((a, b) => (byPosition ? b.position! - a.position! : (a.number ?? Infinity) - (b.number ?? Infinity)));
  return keyed.flatMap(({ ds, position }) => {
    const sop = text(ds, TAG.SOPInstanceUID);
    if (!sop) return [];
    const count = Math.max(1, num(ds, TAG.NumberOfFrames) ?? 1);
    const address = `wadors:${base}/studies/${studyUid}/series/${seriesUid}/instances/${sop}/frames/`;
    return Array.from({ length: count }, (_, i) => ({ imageId: `${address}${i + 1}`, instance: ds, position }));
  });
}

/**
 * A series' frames in reading order from a QIDO-RS instance search alone, when the search tells
 * where every instance lies (its number or its position: the server's index has them); else null,
 * and the series' headers decide. The frames' `instance` is then the search's answer, not the header:
 * a viewer fetches the first one's header to show it, the rest's after.
 */
export function orderedBySearch(studyUid: string, seriesUid: string, listed: DicomJson[], base = DICOMWEB_BASE): Frame[] | null {
  const placed = listed.length > 0 && listed.every((ds) => text(ds, TAG.SOPInstanceUID) && (num(ds, TAG.InstanceNumber) !== null || positionAlongNormal(ds) !== null));
  return placed ? framesOf(studyUid, seriesUid, listed, base) : null;
}

/** The WADO-RS metadata path of the instance a frame is of. */
export const instanceMetadataPath = (studyUid: string, seriesUid: string, frame: Frame) =>
  `/studies/${studyUid}/series/${seriesUid}/instances/${text(frame.instance, TAG.SOPInstanceUID)}/metadata`;

/**
 * The frame of `to` nearest the one shown in `from` (side-by-side comparison, synced scrolling): by
 * position along the stack when both series have them, else at the same fraction of the stack.
 */
export function matchingIndex(from: Frame[], index: number, to: Frame[]): number {
  if (to.length === 0) return 0;
  const here = from[index]?.position;
  if (here != null && to.every((f) => f.position !== null)) {
    let best = 0;
    for (let i = 1; i < to.length; i++) if (Math.abs(to[i]!.position! - here) < Math.abs(to[best]!.position! - here)) best = i;
    return best;
  }
  return from.length <= 1 ? 0 : Math.round((index / (from.length - 1)) * (to.length - 1));
}

/** Answers asked for before the viewer's code arrived (openStudyEarly), each handed to the first request for it. */
const early = new Map<string, Promise<DicomJson[]>>();

/** A QIDO-RS or WADO-RS metadata answer (DICOM JSON) from the server's DICOMweb API, with the session cookie or the portal's token. */
export async function getDicomJson(path: string, signal?: AbortSignal): Promise<DicomJson[]> {
  const asked = early.get(path);
  if (asked) {
    early.delete(path);
    return asked;
  }
  const res = await fetch(`${DICOMWEB_BASE}${path}`, { headers: { accept: 'application/dicom+json', ...dicomwebHeaders() }, credentials: bearer ? 'omit' : 'same-origin', signal });
  if (res.status === 204) return [];
  if (!res.ok) throw new Error(`DICOMweb ${res.status}`);
  return (await res.json()) as DicomJson[];
}

function askEarly(path: string): Promise<DicomJson[]> {
  const answer = getDicomJson(path);
  early.set(path, answer);
  // A refusal (not signed in yet) is not kept for the viewer to take later; nor is it an unhandled rejection.
  answer.catch(() => early.get(path) === answer && early.delete(path));
  return answer;
}
/** The studies asked for early already (the page's entry and the viewer's route both ask): the first series' first frame of each. */
const askedEarly = new Map<string, Promise<Frame | null>>();

/**
 * A study opened by its address (…/viewer/{study}, a cold start): what the viewer asks before its
 * first image — the series, the first one's instances and the header of the one shown first (or
 * the series' headers when the search does not order it) — is asked for at once, while the viewer's
 * code (Cornerstone, megabytes) is still on its way; the viewer takes the answers when it asks.
 * Resolves to the frame shown first (null when there is none or it could not be asked for).
 */
export function openStudyEarly(pathname: string): Promise<Frame | null> {
  const study = /\/viewer\/([^/]+)$/.exec(pathname)?.[1];
  if (!study) return Promise.resolve(null);
  let first = askedEarly.get(study);
  if (!first) {
    first = (async () => {
      const series = seriesList(await askEarly(`/studies/${study}/series`))[0];
      if (!series) return null;
      const ordered = orderedBySearch(study, series.uid, await askEarly(`/studies/${study}/series/${series.uid}/instances`));
      if (!ordered) return framesOf(study, series.uid, await askEarly(`/studies/${study}/series/${series.uid}/metadata`))[0] ?? null;
      const [head] = await askEarly(instanceMetadataPath(study, series.uid, ordered[0]!));
      return head ? { ...ordered[0]!, instance: head } : null;
    })().catch(() => null);
    askedEarly.set(study, first);
  }
  return first;
}
