import { z } from 'zod';
import { LOCALES } from '../i18n/locales.ts';
import { DOCUMENT_KINDS } from '../cases.ts';
import { uuid } from './common.ts';

/** An upload's id: made by the server (tus), letters, digits, `-` and `_` only. */
export const UPLOAD_ID = /^[A-Za-z0-9_-]{16,64}$/;

export const uploadParam = z.object({ id: z.string().regex(UPLOAD_ID) });

/** What an upload says about itself in tus's Upload-Metadata (each value base64, as tus writes it). */
export const uploadMetadata = z
  .object({
    caseId: z.uuid(),
    filename: z.string().trim().min(1).max(255),
    /** The file's place in the folder it was dropped with (a CD's DICOM/IM0001), if any. */
    relativePath: z.string().trim().max(1024).optional(),
    /** The checklist item the file answers (a pathology report, imaging…), if the sender said (empty: not said). */
    documentKind: z.preprocess((v) => (v === '' ? undefined : v), z.enum(DOCUMENT_KINDS).optional()),
    /**
     * `deflate`: the bytes sent are the file compressed by the browser (zlib format, RFC 1950, as
     * CompressionStream('deflate') writes it); the server inflates them before storing the file.
     */
    encoding: z.literal('deflate').optional(),
    /** With an encoding: the file's own size in bytes, before compression. */
    originalSize: z
      .string()
      .regex(/^(0|[1-9][0-9]{0,14})$/)
      .transform(Number)
      .optional(),
  })
  .refine((m) => (m.encoding === undefined) === (m.originalSize === undefined), { message: 'encoding and originalSize go together' });

/** What a file of a case's records is, read from its content (the server's records/sniff.ts). */
export const FILE_KINDS = ['dicom', 'zip', 'pdf', 'jpeg', 'png', 'heic'] as const;
export type FileKind = (typeof FILE_KINDS)[number];
/**
 * processing → stored | duplicate (the case already holds the same bytes) | refused (with a reason);
 * an archive ends `unpacked`: its entries are files of their own (`relativePath` under the archive's);
 * `held`: stored, but its study waits for a coordinator's wrong-patient review; `deleted`: removed
 * by its sender or a coordinator (the row stays so the list is honest; the bytes are gone).
 */
/** `purged`: its bytes were deleted when the case's retention period ended (the row says what was sent, and when). */
export const FILE_STATUSES = ['processing', 'stored', 'duplicate', 'refused', 'unpacked', 'held', 'deleted', 'purged'] as const;
/** Why a file was refused or held: each a message in the catalogs (records.reasons). */
export const FILE_REASONS = [
  'type_not_accepted',
  'truncated',
  'zip_encrypted',
  'zip_unsafe_path',
  'zip_bomb',
  'zip_corrupt',
  'zip_nested',
  'dicom_unreadable',
  'dicom_unsupported',
  'encoding_corrupt',
  'malware',
  'scan_failed',
  'wrong_patient_held',
  'wrong_patient_rejected',
] as const;

export const caseFile = z
  .object({
    id: z.uuid(),
    filename: z.string(),
    relativePath: z.string(),
    size: z.number().int(),
    sha256: z.string().nullable(),
    kind: z.enum(FILE_KINDS).nullable(),
    status: z.enum(FILE_STATUSES),
    reason: z.enum(FILE_REASONS).nullable(),
    /** The checklist item it answers, as its sender said. */
    documentKind: z.enum(DOCUMENT_KINDS).nullable(),
    createdAt: z.string(),
    /** When the coordinator accepted it; after that only the coordinator may delete it. */
    acceptedAt: z.string().nullable(),
    /** The caller may delete it now (its sender before acceptance, a coordinator any time). */
    removable: z.boolean(),
  })
  .meta({ id: 'CaseFile' });
export const caseFileList = z.object({ items: z.array(caseFile) });
export const caseFileParam = z.object({ id: uuid, fileId: uuid });
/** The coordinator accepted every stored file of the case not accepted yet: how many that was. */
export const caseFilesAccepted = z.object({ accepted: z.number().int() });

/** How long an upload-request link works: long enough for a large study over a slow link. */
export const UPLOAD_LINK_DAYS = { default: 14, max: 90 } as const;

export const uploadLinkBody = z.object({
  days: z.number().int().min(1).max(UPLOAD_LINK_DAYS.max).default(UPLOAD_LINK_DAYS.default),
  /** Asked for on the page the link opens, given to the recipient another way (telephone, fax). */
  passcode: z.string().trim().min(6).max(64).optional(),
  /** Whom the link is for (a hospital, a department, the patient): shown to staff only. */
  label: z.string().trim().max(200).default(''),
  /** What is asked for, in the recipient's language. */
  note: z.string().trim().max(2000).default(''),
  locale: z.enum(LOCALES),
});
export const uploadLinkExtendBody = z.object({ days: z.number().int().min(1).max(UPLOAD_LINK_DAYS.max) });
export const uploadLinkParam = z.object({ id: uuid, linkId: uuid });

export const uploadLink = z
  .object({
    id: z.uuid(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    hasPasscode: z.boolean(),
    note: z.string(),
    label: z.string(),
    locale: z.enum(LOCALES).nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    /** Files received whole through this link. */
    received: z.number().int(),
  })
  .meta({ id: 'UploadLink' });
export const uploadLinkList = z.object({ items: z.array(uploadLink) });
/** A new link: its address is shown once (the token is not kept in clear). */
export const uploadLinkCreated = uploadLink.extend({ url: z.string() });
/** What the page an upload-request link opens shows. */
export const uploadLinkView = z
  .object({ caseId: z.uuid(), caseNumber: z.string(), note: z.string(), locale: z.enum(LOCALES).nullable(), expiresAt: z.string() })
  .meta({ id: 'UploadLinkView' });

/**
 * A study's wrong-patient review: ok (the header names the case's patient), held, confirmed by a
 * coordinator, or rejected (its files and index are gone; the study stays listed, without series, so
 * the same study sent again is refused).
 */
export const STUDY_REVIEWS = ['ok', 'held', 'confirmed', 'rejected'] as const;
/** What the check found; `unchecked`: the header names neither a patient nor a birth date. */
export const PATIENT_CHECK_RESULTS = ['match', 'mismatch', 'unchecked'] as const;
export const PATIENT_FIELDS = ['name', 'birthDate', 'sex'] as const;

export const studyReviewBody = z.object({
  decision: z.enum(['confirm', 'reject']),
  /** Why the coordinator decided so (required to confirm; kept with the study, not in the audit log). */
  reason: z.string().trim().max(2000).default(''),
});

export const studyReviewResult = z.object({ review: z.enum(['confirmed', 'rejected']), files: z.number().int() });

/** A case's imaging as its files' headers describe it (the patient as the header names them). */
export const caseStudy = z
  .object({
    studyInstanceUid: z.string(),
    review: z.enum(STUDY_REVIEWS),
    /** The check against the case's patient: which fields differ (never their values); null for studies indexed before the check. */
    check: z.object({ result: z.enum(PATIENT_CHECK_RESULTS), differs: z.array(z.enum(PATIENT_FIELDS)) }).nullable(),
    reviewReason: z.string().nullable(),
    reviewedBy: z.string().nullable(),
    reviewedAt: z.string().nullable(),
    studyDate: z.string().nullable(),
    description: z.string().nullable(),
    accessionNumber: z.string().nullable(),
    modalities: z.array(z.string()),
    patient: z.object({ name: z.string().nullable(), id: z.string().nullable(), birthDate: z.string().nullable(), sex: z.string().nullable() }),
    series: z.array(
      z.object({
        seriesInstanceUid: z.string(),
        number: z.number().int().nullable(),
        modality: z.string().nullable(),
        description: z.string().nullable(),
        bodyPart: z.string().nullable(),
        instanceCount: z.number().int(),
        size: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'CaseStudy' });
/** A disc's DICOMDIR against what arrived: how many instances it lists, how many the case holds, the first missing ones by path. */
export const caseDirectory = z
  .object({ fileId: z.uuid(), relativePath: z.string(), listed: z.number().int(), arrived: z.number().int(), missing: z.array(z.string()) })
  .meta({ id: 'CaseDirectory' });
export const caseStudyList = z.object({ items: z.array(caseStudy), directories: z.array(caseDirectory) });

/** A DICOM UID: digits in dot-separated parts, at most 64 characters (PS3.5 9.1). */
export const DICOM_UID = /^[0-9]+(\.[0-9]+)*$/;
export const dicomUid = z.string().max(64).regex(DICOM_UID);
export const caseStudyParam = z.object({ id: z.uuid(), studyUid: dicomUid });
export const caseSeriesParam = caseStudyParam.extend({ seriesUid: dicomUid });
/** `?download=1`: as an attachment to save, rather than shown in the page (the preview). */
export const fileContentQuery = z.object({ download: z.enum(['0', '1']).optional() });
/** A HEIC photo is converted for the preview up to this size (it is decoded whole in memory). */
export const HEIC_PREVIEW_MAX_BYTES = 25 * 1024 * 1024;
/** Bytes of a stored file (its Content-Type from its kind), a JPEG preview, or a ZIP of images. */
export const fileBytes = z.string().meta({ description: 'The bytes, as binary', format: 'binary' });
