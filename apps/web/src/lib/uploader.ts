import Uppy from '@uppy/core';
import Tus, { type TusBody, type TusOptions } from '@uppy/tus';
import type { PickedFile } from './droppedFiles.ts';
import { UploadTally, type UploadSnapshot } from './uploadProgress.ts';

/*
 * Sends a patient's records into their case with tus (Uppy's core and its tus plugin, no Dashboard:
 * it slows down at hundreds of files). Loaded only when the patient starts sending (a dynamic
 * import), so the portal's first load does not carry Uppy. No translated text here: the page words
 * what this reports (the catalog keys of lazily loaded modules would not reach the patient catalog).
 */

type FileMeta = { caseId: string; filename: string; relativePath: string };

export interface UploaderOptions {
  caseId: string;
  /** The guest link's token (the portal's or an upload-request link's): the Bearer of every request. */
  token: string;
  /** An upload-request link's passcode, when it asks for one: sent with every request. */
  passcode?: string;
  /** The page's language when a request goes: the server's error messages come in it. */
  locale: () => string;
  /** The progress changed (at most a few times a second). */
  onChange: (s: UploadSnapshot) => void;
  /** A file was received whole by the server. */
  onFileDone: () => void;
}

export interface Uploader {
  add(files: PickedFile[]): void;
  pause(): void;
  resume(): void;
  /** Sends again the files that failed. */
  retry(): void;
  close(): void;
}

/** A few files at once: each is one PATCH; more would only share the same far link. */
const PARALLEL = 3;
/**
 * After a dropped connection tus resumes from the server's offset. Over a lossy link it keeps
 * trying for about five minutes before it reports the file as failed (the patient can retry).
 */
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000, 60_000, 60_000, 60_000, 60_000];
const REPORT_EVERY_MS = 250;

/**
 * Where tus remembers an unfinished upload's address so a reload resumes it: this tab's
 * sessionStorage, like the portal link itself, rather than localStorage, which would keep file
 * names on a shared computer after the tab is closed.
 */
type UrlStorage = NonNullable<TusOptions<FileMeta, TusBody>['urlStorage']>;
type PreviousUpload = Awaited<ReturnType<UrlStorage['findAllUploads']>>[number];
const tabUrlStorage: UrlStorage = {
  async findAllUploads() {
    return find('tus::');
  },
  async findUploadsByFingerprint(fingerprint) {
    return find(`tus::${fingerprint}::`);
  },
  async removeUpload(key) {
    sessionStorage.removeItem(key);
  },
  async addUpload(fingerprint, upload) {
    const key = `tus::${fingerprint}::${crypto.randomUUID()}`;
    sessionStorage.setItem(key, JSON.stringify(upload));
    return key;
  },
};
function find(prefix: string): PreviousUpload[] {
  const out: PreviousUpload[] = [];
  for (let i = 0; i < sessionStorage.length; i++) {
    const key = sessionStorage.key(i);
    if (!key?.startsWith(prefix)) continue;
    try {
      out.push({ ...JSON.parse(sessionStorage.getItem(key) ?? ''), urlStorageKey: key });
    } catch {
      // A damaged entry: that file starts afresh.
    }
  }
  return out;
}

/** The server's translated message from a refusal's JSON body, or null (no answer: the connection). */
function serverMessage(response: { body?: { xhr?: unknown } } | undefined): string | null {
  const xhr = response?.body?.xhr as XMLHttpRequest | undefined;
  if (!xhr || !xhr.status) return null;
  try {
    const m = (JSON.parse(xhr.responseText) as { error?: { message?: unknown } }).error?.message;
    return typeof m === 'string' ? m : null;
  } catch {
    return null;
  }
}

export function createUploader(opts: UploaderOptions): Uploader {
  const tally = new UploadTally();
  const uppy = new Uppy<FileMeta, TusBody>({ autoProceed: true, allowMultipleUploadBatches: true }).use(Tus<FileMeta, TusBody>, {
    endpoint: '/api/v1/uploads',
    headers: () => ({ Authorization: `Bearer ${opts.token}`, 'Accept-Language': opts.locale(), ...(opts.passcode ? { 'X-Link-Passcode': opts.passcode } : {}) }),
    allowedMetaFields: ['caseId', 'filename', 'relativePath'],
    // chunkSize left unset: one PATCH per file, resumed from the server's offset when cut.
    limit: PARALLEL,
    retryDelays: RETRY_DELAYS,
    urlStorage: tabUrlStorage,
    removeFingerprintOnSuccess: true,
  });

  let timer: ReturnType<typeof setTimeout> | null = null;
  const report = (now = false) => {
    if (now) {
      if (timer) clearTimeout(timer);
      timer = null;
      opts.onChange(tally.snapshot());
    } else if (!timer) {
      timer = setTimeout(() => report(true), REPORT_EVERY_MS);
    }
  };

  uppy.on('files-added', (files) => {
    for (const f of files) tally.add(f.id, f.name ?? f.meta.filename, f.meta.relativePath, f.size ?? 0);
    report(true);
  });
  uppy.on('upload-progress', (file, p) => {
    if (file) tally.progress(file.id, p.bytesUploaded || 0, performance.now());
    report();
  });
  uppy.on('upload-success', (file) => {
    if (!file) return;
    tally.succeeded(file.id);
    opts.onFileDone();
    report();
  });
  uppy.on('upload-error', (file, _error, response) => {
    if (!file) return;
    tally.fail(file.id, file.meta.filename, file.meta.relativePath, serverMessage(response));
    report();
  });
  uppy.on('complete', () => report(true));

  return {
    add(files) {
      const before = uppy.getFiles().length;
      uppy.addFiles(
        files.map(({ file, relativePath }) => ({
          name: file.name,
          type: file.type,
          data: file,
          source: 'portal',
          meta: { caseId: opts.caseId, filename: file.name, relativePath },
        })),
      );
      // Uppy leaves out a file it already holds (chosen again in this visit): it was sent once.
      tally.skip(files.length - (uppy.getFiles().length - before));
      report(true);
    },
    pause() {
      uppy.pauseAll();
      tally.setPaused(true);
      report(true);
    },
    resume() {
      tally.setPaused(false);
      uppy.resumeAll();
      report(true);
    },
    retry() {
      if (tally.retrying().length === 0) return;
      report(true);
      void uppy.retryAll();
    },
    close() {
      if (timer) clearTimeout(timer);
      // Stops sending without cancelling (Uppy's destroy() would delete the unfinished uploads on
      // the server): they stay resumable when the same files are chosen again in this tab.
      uppy.pauseAll();
    },
  };
}
