import { z } from 'zod';

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
