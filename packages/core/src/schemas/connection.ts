import { z } from 'zod';

/** The most a connection probe sends or accepts at once: a few seconds on a slow link. */
export const PROBE_MAX_BYTES = 2_000_000;

/** How many bytes of incompressible data the download probe sends. */
export const probeDownloadQuery = z.object({ bytes: z.coerce.number().int().min(1).max(PROBE_MAX_BYTES) });
/** Random bytes (application/octet-stream). */
export const probeBytes = z.string().meta({ description: 'Random bytes (application/octet-stream), never compressed or cached', format: 'binary' });
/** What the upload probe received (it keeps none of it). */
export const probeUploadResult = z.object({ bytes: z.number().int().min(0) });
