/*
 * Compressing what compresses before it crosses a far link (the portal's uploader). No translated
 * text here.
 */

/** Files this large are sent as they are (compressing them would hold a second copy for long). */
const DEFLATE_MAX_BYTES = 512 * 1024 * 1024;
/** Compressed only when it saves at least this share: a JPEG, a ZIP or a PDF of scans does not. */
const DEFLATE_MIN_SAVING = 0.1;
const SAMPLE_BYTES = 64 * 1024;

async function deflate(blob: Blob): Promise<Blob> {
  return new Response(blob.stream().pipeThrough(new CompressionStream('deflate'))).blob();
}

/**
 * The file deflated (zlib format, RFC 1950, which the server inflates and checks), or null when that
 * does not save DEFLATE_MIN_SAVING (tried on its first SAMPLE_BYTES first, so a JPEG is not
 * compressed whole for nothing). Uncompressed DICOM pixel data often deflates 2–3×, which the far
 * link then carries 2–3× faster. The same file gives the same bytes in the same browser (zlib is
 * deterministic), so a file chosen again after a reload resumes its upload where it was.
 */
export async function deflated(file: Blob): Promise<Blob | null> {
  if (typeof CompressionStream === 'undefined' || file.size < 1024 || file.size > DEFLATE_MAX_BYTES) return null;
  try {
    const sample = file.slice(0, SAMPLE_BYTES);
    if ((await deflate(sample)).size > sample.size * (1 - DEFLATE_MIN_SAVING)) return null;
    const packed = await deflate(file);
    return packed.size <= file.size * (1 - DEFLATE_MIN_SAVING) ? packed : null;
  } catch {
    // Unreadable here (moved, or a permission): sent as it is, and its error told as usual.
    return null;
  }
}
