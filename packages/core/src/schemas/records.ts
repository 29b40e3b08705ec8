import { z } from 'zod';
import { LOCALES } from '../i18n/locales.ts';
import { uuid } from './common.ts';

/** An upload's id: made by the server (tus), letters, digits, `-` and `_` only. */
export const UPLOAD_ID = /^[A-Za-z0-9_-]{16,64}$/;

export const uploadParam = z.object({ id: z.string().regex(UPLOAD_ID) });

/** What an upload says about itself in tus's Upload-Metadata (each value base64, as tus writes it). */
export const uploadMetadata = z.object({
  caseId: z.uuid(),
  filename: z.string().trim().min(1).max(255),
  /** The file's place in the folder it was dropped with (a CD's DICOM/IM0001), if any. */
  relativePath: z.string().trim().max(1024).optional(),
});

/** What a file of a case's records is, read from its content (the server's records/sniff.ts). */
export const FILE_KINDS = ['dicom', 'zip', 'pdf', 'jpeg', 'png', 'heic'] as const;
export type FileKind = (typeof FILE_KINDS)[number];
/** processing → stored | duplicate (the case already holds the same bytes) | refused (with a reason). */
export const FILE_STATUSES = ['processing', 'stored', 'duplicate', 'refused'] as const;
/** Why a file was refused: each a message in the catalogs (records.reasons). */
export const FILE_REASONS = ['type_not_accepted', 'truncated', 'zip_encrypted', 'zip_unsafe_path', 'zip_bomb', 'zip_corrupt', 'dicom_unreadable', 'dicom_unsupported'] as const;

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
    createdAt: z.string(),
  })
  .meta({ id: 'CaseFile' });
export const caseFileList = z.object({ items: z.array(caseFile) });

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

/** A case's imaging as its files' headers describe it (the patient as the header names them). */
export const caseStudy = z
  .object({
    studyInstanceUid: z.string(),
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
export const caseStudyList = z.object({ items: z.array(caseStudy) });
