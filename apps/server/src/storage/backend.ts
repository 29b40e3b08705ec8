/**
 * Where the bytes of stored files go. A backend knows nothing of encryption (blob-store.ts does it,
 * once for every backend): it keeps opaque objects under keys. An S3 backend fits the same shape:
 * `create` as an upload with `If-None-Match: *`, `read` as a ranged GET, `remove` as DeleteObject.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ObjectBackend {
  /**
   * Stores `body` under `key`. The object appears whole or not at all (a failed or interrupted write
   * leaves nothing under `key`), and never replaces an existing one: that fails with ObjectExistsError.
   */
  create(key: string, body: Readable): Promise<void>;
  /** The object's bytes from `start` to `end` inclusive, or to its end when `end` is omitted. */
  read(key: string, start: number, end?: number): Readable;
  /** Removes the object; nothing happens when there is none. */
  remove(key: string): Promise<void>;
}

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

  /** Folders known to exist (made once per process: a file ingested costs no `mkdir`). */
  private readonly folders = new Set<string>();

  private async folder(dir: string): Promise<void> {
    if (this.folders.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.folders.add(dir);
  }

  async create(key: string, body: Readable): Promise<void> {
    const final = this.pathOf(key);
    await this.folder(this.tmp);
    await this.folder(path.dirname(final));
    const temp = path.join(this.tmp, `${key}.${randomBytes(6).toString('hex')}`);
    try {
      // flush: fsync before the file is closed, so what is linked under its name is on disk.
      await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true }));
      const linked = () =>
        link(temp, final).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EEXIST' ? new ObjectExistsError(`object ${key} exists`) : err;
        });
      await linked().catch(async (err: NodeJS.ErrnoException) => {
        // The folder was removed since it was made (by hand): make it again.
        if (err.code !== 'ENOENT') throw err;
        this.folders.delete(path.dirname(final));
        await this.folder(path.dirname(final));
        await linked();
      });
      // The new name, too, must survive a crash once the caller records the object.
      const folder = await open(path.dirname(final), 'r');
      await folder.sync().finally(() => folder.close());
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  read(key: string, start: number, end?: number): Readable {
    return createReadStream(this.pathOf(key), { start, end });
  }

  async remove(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}
