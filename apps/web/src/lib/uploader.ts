import Uppy from '@uppy/core';
import Tus, { type TusBody, type TusOptions } from '@uppy/tus';
import type { PickedFile } from './droppedFiles.ts';
import { deflated } from './deflate.ts';
import { UploadTally, type UploadSnapshot } from './uploadProgress.ts';

/*
 * Sends a patient's records into their case with tus (Uppy's core and its tus plugin, no Dashboard:
 * it slows down at hundreds of files). Loaded only when the patient starts sending (a dynamic
 * import), so the portal's first load does not carry Uppy. No translated text here: the page words
 * what this reports (the catalog keys of lazily loaded modules would not reach the patient catalog).
 */

/** `documentKind`: the checklist item the files answer, '' when not said (tus sends every field). */
type FileMeta = { caseId: string; filename: string; relativePath: string; documentKind: string; encoding?: 'deflate'; originalSize?: string };
const META_FIELDS = ['caseId', 'filename', 'relativePath', 'documentKind'];

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
  /** `documentKind`: the checklist item these files answer ('' when not said). */
  add(files: PickedFile[], documentKind?: string): void;
  pause(): void;
  resume(): void;
  /** Sends again the files that failed. */
  retry(): void;
  close(): void;
}

/**
 * Files sent at once. One TCP stream cannot fill a long lossy link (≈ 2 Mbit/s each from China to
 * Japan at 0.5 % loss and 100 ms), and Chromium opens six connections per host over HTTP/1.1: six
 * keep them all busy.
 */
const PARALLEL = 6;
/**
 * A file up to this size goes whole with the request that starts its upload (tus
 * creation-with-upload: no round trip per file, which matters for the hundreds of small files of a
 * CD). A larger one is started by an empty request and sent by a resumable PATCH: a request cut off
 * while starting loses what it carried (the upload's address comes only with the answer), and a
 * pause waits for such a request to end (see onBeforeRequest), so it stays small.
 */
const WITH_CREATION_MAX_BYTES = 1024 * 1024;
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

/** Files prepared (compressed) ahead of what is being sent: enough to keep every connection busy. */
const AHEAD_FILES = 24;
const AHEAD_BYTES = 64 * 1024 * 1024;

type Request = { getMethod(): string };

/** A picked file in this visit: its place, name, size and time (what Uppy's own id is made of). */
const keyOf = ({ file, relativePath }: PickedFile) => [relativePath, file.name, file.size, file.lastModified].join('\u0000');

export function createUploader(opts: UploaderOptions): Uploader {
  const tally = new UploadTally();
  /** The Uppy file (what is sent, maybe compressed) → the picked file's key in the tally and its size ratio. */
  const sent = new Map<string, { key: string; ratio: number }>();
  /** Picked files already taken in this visit (chosen again: not sent again). */
  const seen = new Set<string>();
  /** Requests starting an upload (tus creation) in flight, and the Uppy file each is for. */
  const creating = new Map<Request, string>();
  let pausing = false;

  const uppy = new Uppy<FileMeta, TusBody>({ autoProceed: true, allowMultipleUploadBatches: true }).use(Tus<FileMeta, TusBody>, {
    endpoint: '/api/v1/uploads',
    headers: () => ({ Authorization: `Bearer ${opts.token}`, 'Accept-Language': opts.locale(), ...(opts.passcode ? { 'X-Link-Passcode': opts.passcode } : {}) }),
    // Per file (its `tus` state) when it goes compressed: META_FIELDS with its encoding and size.
    allowedMetaFields: META_FIELDS,
    limit: PARALLEL,
    // Per file (its `tus` state): larger files start with an empty request.
    uploadDataDuringCreation: true,
    retryDelays: RETRY_DELAYS,
    urlStorage: tabUrlStorage,
    // A finished upload's address is kept for the tab's life: dropped again after a reload, the
    // file is found complete on the server and not sent twice.
    removeFingerprintOnSuccess: false,
    /*
     * Pausing must not cut a request that starts an upload: the server may have made the upload, but
     * its address comes only with the answer, so the file would start again as a second upload (what
     * Uppy's pauseAll() did). Such a file is paused once its answer is in (its address stored); no
     * request starts while paused.
     */
    onBeforeRequest: (req, file) => {
      if (pausing) {
        pauseFile(file.id);
        throw new Error('paused');
      }
      if (req.getMethod() === 'POST') creating.set(req, file.id);
    },
    onAfterResponse: (req) => {
      const id = creating.get(req);
      creating.delete(req);
      // After tus has read the answer and stored the address (aborting now would lose its headers).
      if (id && pausing) setTimeout(() => pausing && pauseFile(id), 0);
    },
  });

  function pauseFile(id: string) {
    const f = uppy.getFile(id);
    if (f && !f.isPaused && !f.progress.uploadComplete && !f.error) uppy.pauseResume(id);
  }
  const isCreating = (id: string) => [...creating.values()].includes(id);

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

  uppy.on('upload-progress', (file, p) => {
    const s = file && sent.get(file.id);
    // Counted in the file's own bytes: a compressed file's progress scaled to its size.
    if (s) tally.progress(s.key, Math.round((p.bytesUploaded || 0) * s.ratio), performance.now());
    report();
  });
  uppy.on('upload-success', (file) => {
    const s = file && sent.get(file.id);
    if (!s) return;
    tally.succeeded(s.key);
    settled(file!.id);
    opts.onFileDone();
    report();
  });
  uppy.on('upload-error', (file, _error, response) => {
    const s = file && sent.get(file.id);
    if (!s) return;
    tally.fail(s.key, file!.meta.filename, file!.meta.relativePath, serverMessage(response));
    settled(file!.id);
    report();
  });

  // Preparing the picked files, in order, a little ahead of what is being sent.
  const queue: (PickedFile & { documentKind: string })[] = [];
  let preparing = false;
  let ahead = { files: 0, bytes: 0 };
  const aheadOf = new Map<string, number>();
  let wake: (() => void) | null = null;
  function settled(id: string) {
    const bytes = aheadOf.get(id);
    if (bytes === undefined) return;
    aheadOf.delete(id);
    ahead = { files: ahead.files - 1, bytes: ahead.bytes - bytes };
    wake?.();
  }
  async function prepareAll() {
    if (preparing) return;
    preparing = true;
    try {
      while (queue.length > 0) {
        while (ahead.files >= AHEAD_FILES || ahead.bytes >= AHEAD_BYTES) await new Promise<void>((r) => (wake = r));
        wake = null;
        const picked = queue.shift()!;
        const { file, relativePath, documentKind } = picked;
        const packed = await deflated(file);
        const data = packed ? new File([packed], file.name, { type: file.type, lastModified: file.lastModified }) : file;
        const meta: FileMeta = { caseId: opts.caseId, filename: file.name, relativePath, documentKind, ...(packed ? { encoding: 'deflate', originalSize: String(file.size) } : {}) };
        let id: string;
        try {
          id = uppy.addFile({ name: file.name, type: file.type, data, source: 'portal', meta });
        } catch {
          // Refused by Uppy (it should not be: each picked file once): told as failed, no answer.
          tally.fail(keyOf(picked), file.name, relativePath, null);
          report();
          continue;
        }
        uppy.setFileState(id, {
          tus: {
            ...(packed ? { allowedMetaFields: [...META_FIELDS, 'encoding', 'originalSize'] } : {}),
            ...(data.size > WITH_CREATION_MAX_BYTES ? { uploadDataDuringCreation: false } : {}),
          },
        } as never);
        sent.set(id, { key: keyOf(picked), ratio: data.size > 0 ? file.size / data.size : 1 });
        aheadOf.set(id, data.size);
        ahead = { files: ahead.files + 1, bytes: ahead.bytes + data.size };
        if (pausing) pauseFile(id);
      }
    } finally {
      preparing = false;
    }
  }
  uppy.on('complete', () => report(true));

  return {
    add(files, documentKind = '') {
      let skipped = 0;
      for (const picked of files) {
        const key = keyOf(picked);
        // A file chosen again in this visit was sent once.
        if (seen.has(key)) {
          skipped += 1;
          continue;
        }
        seen.add(key);
        tally.add(key, picked.file.name, picked.relativePath, picked.file.size);
        queue.push({ ...picked, documentKind });
      }
      tally.skip(skipped);
      report(true);
      void prepareAll();
    },
    pause() {
      pausing = true;
      for (const f of uppy.getFiles()) if (!isCreating(f.id)) pauseFile(f.id);
      tally.setPaused(true);
      report(true);
    },
    resume() {
      pausing = false;
      tally.setPaused(false);
      // Only the files that were paused: Uppy's resumeAll() would start again every unfinished file,
      // one whose request is still going included (a second upload of it).
      for (const f of uppy.getFiles()) if (f.isPaused) uppy.pauseResume(f.id);
      report(true);
    },
    retry() {
      if (tally.retrying().length === 0) return;
      report(true);
      void uppy.retryAll();
    },
    close() {
      if (timer) clearTimeout(timer);
      queue.splice(0);
      pausing = true;
      // Stops sending without cancelling (Uppy's destroy() would delete the unfinished uploads on
      // the server): they stay resumable when the same files are chosen again in this tab.
      uppy.pauseAll();
    },
  };
}
