/**
 * Where the bytes of stored files go. A backend knows nothing of encryption (blob-store.ts does it,
 * once for every backend): it keeps opaque objects under keys. An S3 backend fits the same shape:
 * `create` as an upload with `If-None-Match: *`, `read` as a ranged GET, `remove` as DeleteObject.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, linkSync, mkdirSync, openSync, read, unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { fsyncFd, writeBuffers } from './fd.ts';

export interface ObjectBackend {
  /**
   * Stores `body` under `key`. The object appears whole or not at all (a failed or interrupted write
   * leaves nothing under `key`), and never replaces an existing one: that fails with ObjectExistsError.
   */
  create(key: string, body: Readable): Promise<void>;
  /** The object's bytes from `start` to `end` inclusive, or to its end when `end` is omitted. */
  read(key: string, start: number, end?: number): Readable;
  /** The same bytes in memory, for a small range (a frame), where the backend reads it cheaper than as a stream. */
  readBuffer?(key: string, start: number, end?: number): Promise<Buffer>;
  /** Removes the object; nothing happens when there is none. */
  remove(key: string): Promise<void>;
}

const READ_SIZE = 1 << 20;
const readFd = promisify(read);

export class ObjectExistsError extends Error {
  override name = 'ObjectExistsError';
}

/**
 * Objects as files in a folder, sharded by the key's first characters (`ab/cd/abcd…`) so that no
 * folder grows past a few thousand entries. A write goes to `tmp/` first and is linked under its
 * name only when complete and flushed; `link` (unlike `rename`) refuses to replace a file.
 */
export class LocalBackend implements ObjectBackend {
  private readonly tmp: string;

  constructor(private readonly root: string) {
    this.tmp = path.join(root, 'tmp');
  }

  private pathOf(key: string): string {
    if (!/^[0-9a-z-]{4,}$/.test(key)) throw new TypeError('object keys are lower-case letters, digits and hyphens');
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  /** Folders known to exist (made once per process: a file stored costs no `mkdir`). */
  private readonly folders = new Set<string>();

  private folder(dir: string): void {
    if (this.folders.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.folders.add(dir);
  }

  /*
   * Small file-system calls (open, close, link, unlink) are made synchronously: they take
   * microseconds, where each asynchronous call costs a hand-off to libuv's threads and back. The
   * writes and the flushes to disk, which take long, stay asynchronous.
   */
  async create(key: string, body: Readable): Promise<void> {
    const final = this.pathOf(key);
    const dir = path.dirname(final);
    this.folder(this.tmp);
    this.folder(dir);
    const temp = path.join(this.tmp, `${key}.${randomBytes(6).toString('hex')}`);
    try {
      const fd = openSync(temp, 'wx', 0o600);
      try {
        await writeAll(fd, body);
        // On disk before it is linked under its name.
        await fsyncFd(fd);
      } finally {
        closeSync(fd);
      }
      try {
        linkSync(temp, final); // unlike rename, refuses to replace a file
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw new ObjectExistsError(`object ${key} exists`);
        if (code !== 'ENOENT') throw err;
        // The folder was removed since it was made (by hand): make it again.
        this.folders.delete(dir);
        this.folder(dir);
        linkSync(temp, final);
      }
      // The new name, too, must survive a crash once the caller records the object.
      const folder = openSync(dir, 'r');
      await fsyncFd(folder).finally(() => closeSync(folder));
    } finally {
      try {
        unlinkSync(temp);
      } catch {
        // never made, or already gone
      }
    }
  }

  /** In reads of up to 1 MiB: a frame of a CT slice (512 KB and its chunks' tags) is one read, not nine of 64 KiB. */
  read(key: string, start: number, end?: number): Readable {
    const length = end === undefined ? Infinity : end - start + 1;
    return createReadStream(this.pathOf(key), { start, end, highWaterMark: Math.max(64 * 1024, Math.min(READ_SIZE, length)) });
  }

  /** One asynchronous read between a synchronous open and close (see above): one hand-off to libuv's threads, not three. */
  async readBuffer(key: string, start: number, end?: number): Promise<Buffer> {
    const fd = openSync(this.pathOf(key), 'r');
    try {
      const buffer = Buffer.allocUnsafe(Math.max(0, (end ?? fstatSync(fd).size - 1) - start + 1));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead: n } = await readFd(fd, buffer, filled, buffer.length - filled, start + filled);
        if (n === 0) break; // the file is shorter: the caller sees it (a stored file cut short fails authentication)
        filled += n;
      }
      return buffer.subarray(0, filled);
    } finally {
      closeSync(fd);
    }
  }

  async remove(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

/** Writes the stream's bytes to the file, gathered into writes of about 1 MiB. */
async function writeAll(fd: number, body: Readable): Promise<void> {
  let pending: Buffer[] = [];
  let bytes = 0;
  const flush = async () => {
    const buffers = pending;
    pending = [];
    bytes = 0;
    await writeBuffers(fd, buffers);
  };
  for await (const chunk of body) {
    pending.push(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (bytes >= 1 << 20) await flush();
  }
  await flush();
}
