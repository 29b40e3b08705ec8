/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW…), behind the same ObjectBackend as the
 * local folder. Keys are the blob ids as they are (no sharding: a bucket has no folders to fill).
 *
 * - `create` streams the body: one PutObject when it is small, otherwise a multipart upload of parts of
 *   PART_SIZE (lib-storage; at most QUEUE_SIZE parts in memory at once). The object appears only when
 *   the upload completes; a failed one is aborted. `If-None-Match: *` makes S3 itself refuse to replace
 *   an object; a HEAD before the upload gives the same answer on servers that ignore that header.
 * - `read` is a ranged GET (`Range: bytes=start-end`, end inclusive as in HTTP); a range past the end
 *   reads nothing, as from a file.
 * - Every failure becomes a StorageUnavailableError; connection and socket timeouts keep a store that
 *   does not answer from hanging a request.
 */
import { PassThrough, pipeline, type Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { ObjectExistsError, type ObjectBackend } from './backend.ts';
import { StorageUnavailableError } from './errors.ts';

export interface S3Settings {
  endpoint: string | null;
  bucket: string;
  region: string;
  /** Null: the SDK's default chain (AWS_* variables, an instance role). */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (MinIO and most self-hosted stores). */
  forcePathStyle: boolean;
  /** Milliseconds to connect, and of silence on an open connection, before a request fails (tests shorten them). */
  connectTimeoutMs?: number;
  socketTimeoutMs?: number;
}

const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

/** The AWS SDK, loaded on first use: a server storing files in its data folder never loads it (seconds of start-up). */
type Sdk = typeof import('@aws-sdk/client-s3') & { Upload: typeof import('@aws-sdk/lib-storage').Upload };
let loading: Promise<Sdk> | null = null;
const sdk = () => (loading ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, storage]) => ({ ...s3, Upload: storage.Upload })));
/** Set once the SDK is loaded (an S3 error can only come after). */
let S3ServiceException: Sdk['S3ServiceException'] | null = null;
const isS3Error = (err: unknown): err is InstanceType<Sdk['S3ServiceException']> => !!S3ServiceException && err instanceof S3ServiceException;

export class S3Backend implements ObjectBackend {
  private client: S3Client | null = null;
  private readonly bucket: string;

  constructor(private readonly settings: S3Settings) {
    this.bucket = settings.bucket;
  }

  private async sdk(): Promise<Sdk & { client: S3Client }> {
    const loaded = await sdk();
    S3ServiceException = loaded.S3ServiceException;
    this.client ??= this.newClient(loaded, this.settings);
    return { ...loaded, client: this.client };
  }

  private newClient({ S3Client }: Sdk, settings: S3Settings): S3Client {
    return new S3Client({
      endpoint: settings.endpoint ?? undefined,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.credentials ?? undefined,
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: settings.connectTimeoutMs ?? 10_000,
        // Of silence on an open connection (a request, or a body being streamed), not of a whole request.
        socketTimeout: settings.socketTimeoutMs ?? 60_000,
      },
      // Checksums only when an operation requires them: S3-compatible stores differ in what they accept.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private check(key: string): string {
    if (!/^[0-9a-z-]{4,}$/.test(key)) throw new TypeError('object keys are lower-case letters, digits and hyphens');
    return key;
  }

  async create(key: string, body: Readable): Promise<void> {
    this.check(key);
    if (await this.has(key)) {
      body.destroy();
      throw new ObjectExistsError(`object ${key} exists`);
    }
    // Through a plain stream: lib-storage takes a `size` property of the body for its length, and the
    // blob store's encrypting stream has one (the plaintext's size so far).
    const source = new PassThrough();
    pipeline(body, source, () => {});
    const { Upload, AbortMultipartUploadCommand, client } = await this.sdk();
    const upload = new Upload({
      client,
      params: { Bucket: this.bucket, Key: key, Body: source, IfNoneMatch: '*', ContentType: 'application/octet-stream' },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      // Aborted below, so that the error reported is the one that failed the upload, not a failed abort.
      leavePartsOnError: true,
    });
    // A failing body must end the upload (lib-storage would otherwise wait for data that never comes).
    const failed = new Promise<never>((_, reject) => source.once('error', reject));
    failed.catch(() => {});
    try {
      await Promise.race([upload.done(), failed]);
    } catch (err) {
      await upload.abort().catch(() => {});
      // The parts sent so far go too (the bucket's lifecycle rule catches what this cannot).
      if (upload.uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: upload.uploadId })).catch(() => {});
      if (isS3Error(err) && (err.name === 'PreconditionFailed' || err.$metadata.httpStatusCode === 412)) {
        throw new ObjectExistsError(`object ${key} exists`);
      }
      // The source's own error (a failed stream) passes through as it is; the store's becomes a storage error.
      if (isS3Error(err) || isNetworkError(err)) throw unavailable('write', key, err);
      throw err;
    }
  }

  read(key: string, start: number, end?: number): Readable {
    this.check(key);
    const out = new PassThrough();
    const range = `bytes=${start}-${end ?? ''}`;
    const abortSignal = abortOn(out);
    this.sdk()
      .then(({ client, GetObjectCommand }) => client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }), { abortSignal }))
      .then(
        (res) => {
          const body = res.Body as Readable;
          body.once('error', (err) => out.destroy(unavailable('read', key, err)));
          body.pipe(out);
          out.once('close', () => body.destroy());
        },
        (err: unknown) => {
          // A range that starts past the object's end (an object cut short): no bytes, as a file read gives,
          // and the blob store's authentication says what that means.
          if (isS3Error(err) && err.$metadata.httpStatusCode === 416) out.end();
          else out.destroy(unavailable('read', key, err));
        },
      );
    return out;
  }

  async remove(key: string): Promise<void> {
    this.check(key);
    // DeleteObject answers 204 whether or not the object was there.
    const { client, DeleteObjectCommand } = await this.sdk();
    await client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch((err: unknown) => {
      throw unavailable('delete', key, err);
    });
  }

  private async has(key: string): Promise<boolean> {
    const { client, HeadObjectCommand } = await this.sdk();
    try {
      await client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isS3Error(err) && err.$metadata.httpStatusCode === 404) return false;
      throw unavailable('check', key, err);
    }
  }

  /** Closes the client's connections. */
  destroy(): void {
    this.client?.destroy();
  }
}

/** An AbortSignal that fires when the reader gives up on the stream before the answer came. */
function abortOn(stream: PassThrough): AbortSignal {
  const controller = new AbortController();
  stream.once('close', () => controller.abort());
  return controller.signal;
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  const name = (err as { name?: string } | null)?.name;
  return typeof code === 'string' || name === 'TimeoutError' || name === 'AbortError';
}

/** The store's error, named by operation and key only (S3 messages may echo the request, never content). */
function unavailable(operation: string, key: string, err: unknown): StorageUnavailableError {
  const what = isS3Error(err) ? `${err.name} (HTTP ${err.$metadata.httpStatusCode ?? '?'})` : err instanceof Error ? `${err.name}: ${(err as { code?: string }).code ?? err.message}` : String(err);
  return new StorageUnavailableError(`object store ${operation} of ${key} failed: ${what}`, { cause: err });
}
