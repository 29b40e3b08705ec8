import { z } from 'zod';
import { DICOM_UID } from './records.ts';
import { uuid } from './common.ts';

/** Sending a case's images to the hospital's PACS over DICOMweb (STOW-RS): destinations and exports. */

export const PACS_AUTH_KINDS = ['none', 'basic', 'bearer'] as const;
/**
 * What an export writes as Patient ID (0010,0020) and Issuer of Patient ID (0010,0021):
 * `hospital` the case's hospital patient ID and its issuer (the destination's issuer when the case
 * names none); `case_number` the case's number with the destination's issuer; `keep` the images as sent.
 */
export const PATIENT_ID_MODES = ['hospital', 'case_number', 'keep'] as const;
export const PACS_EXPORT_STATUSES = ['queued', 'sending', 'done', 'failed'] as const;

/**
 * A value written into a DICOM LO element: at most 64 characters of printable ASCII without a
 * backslash (the value separator), so it is the same in every character set a file may declare.
 */
export const dicomLongString = z
  .string()
  .trim()
  .max(64)
  .regex(/^[\x20-\x5b\x5d-\x7e]*$/, 'validation.dicomLongString');

/** An http(s) address without credentials, query or fragment in it (those go in their own fields, sealed). */
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'validation.pacsUrl' })
  .max(2000)
  .refine((u) => {
    const url = new URL(u);
    return !url.username && !url.password && !url.search && !url.hash;
  }, 'validation.pacsUrl')
  .transform((u) => u.replace(/\/+$/, ''));

export const pacsDestination = z
  .object({
    id: uuid,
    name: z.string(),
    url: z.string(),
    authKind: z.enum(PACS_AUTH_KINDS),
    authUser: z.string().nullable(),
    /** Whether a password or token is stored (it is never shown again). */
    hasSecret: z.boolean(),
    patientIdMode: z.enum(PATIENT_ID_MODES),
    issuer: z.string(),
    disabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'PacsDestination' });
export const pacsDestinationList = z.object({ items: z.array(pacsDestination) });

const destinationFields = {
  name: z.string().trim().min(1).max(100),
  /** The DICOMweb base URL (http or https); instances are POSTed to `<url>/studies`. */
  url: httpUrl,
  authKind: z.enum(PACS_AUTH_KINDS),
  authUser: z.string().trim().max(200).nullable(),
  /** The password (basic) or token (bearer); on a change, omitted keeps the stored one. */
  secret: z.string().min(1).max(4000).nullable(),
  patientIdMode: z.enum(PATIENT_ID_MODES),
  issuer: dicomLongString,
};
export const createPacsDestinationBody = z.object({
  ...destinationFields,
  authUser: destinationFields.authUser.default(null),
  secret: destinationFields.secret.default(null),
  issuer: destinationFields.issuer.default(''),
});
export const updatePacsDestinationBody = z.object({ ...destinationFields, disabled: z.boolean() }).partial();

/** The case's patient ID at the hospital and its issuer (null clears). */
export const hospitalPatientIdBody = z.object({
  id: dicomLongString.pipe(z.string().min(1)).nullable(),
  issuer: dicomLongString.pipe(z.string().min(1)).nullable(),
});
export const hospitalPatientId = z.object({ id: z.string().nullable(), issuer: z.string().nullable() });

export const pacsSendBody = z.object({
  destinationId: uuid,
  studyInstanceUid: z.string().max(64).regex(DICOM_UID),
  /** Only this series; the whole study without it. */
  seriesInstanceUid: z.string().max(64).regex(DICOM_UID).optional(),
});

export const pacsExport = z
  .object({
    id: uuid,
    destination: z.object({ id: uuid, name: z.string() }),
    studyInstanceUid: z.string(),
    seriesInstanceUid: z.string().nullable(),
    status: z.enum(PACS_EXPORT_STATUSES),
    /** Instances to send (null until the job has counted them), sent and given up on so far. */
    total: z.number().int().nullable(),
    sent: z.number().int(),
    failed: z.number().int(),
    attempts: z.number().int(),
    /** Why the last attempt stopped short, as the destination or the network said. */
    lastError: z.string().nullable(),
    /** Each instance given up on, and why. */
    failures: z.array(z.object({ sopInstanceUid: z.string(), reason: z.string() })),
    requestedBy: z.string().nullable(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'PacsExport' });
export const pacsExportList = z.object({ items: z.array(pacsExport) });
