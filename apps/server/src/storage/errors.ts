/**
 * Errors of the storage layer. They are the server's fault (altered storage, a missing key), never the
 * caller's, so they are not DomainErrors: the error handler answers 500 and logs them. Their messages
 * name blobs and chunks, never content.
 */

/** Stored bytes or a wrapped key that fail authentication: altered, truncated, extended, or read with the wrong key. */
export class BlobIntegrityError extends Error {
  override name = 'BlobIntegrityError';
}

/** The blob's data key is wrapped by a master key that is not configured (see KAKEHASHI_PREVIOUS_MASTER_KEYS). */
export class UnknownMasterKeyError extends Error {
  override name = 'UnknownMasterKeyError';
  constructor(readonly keyId: string) {
    super(`data key wrapped by master key ${keyId}, which is not configured`);
  }
}

/** The object store failed or did not answer in time (an S3 error, a refused connection, a timeout). */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}
