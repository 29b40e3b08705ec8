import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import { BlobIntegrityError } from '../storage/errors.ts';
import { unwrapDataKey, wrapDataKey, type Keyring } from '../storage/keys.ts';
import { append, openMessage, read, recover, sealMessage } from './sealed.ts';

/** An upload id names files: random, from tus, and never a path. */
const ID = /^[A-Za-z0-9_-]{16,64}$/;
const INFO_LABEL = 'kakehashi-upload-info:';
/** The master key's id (8 bytes) before the wrapped data key, so an upload outlives a rotation while the old key is kept. */
const KEY_ID = 8;
const wrapLabel = (id: string) => Buffer.from(`upload:${id}`);

/**
 * Where tus uploads live while they arrive: one sealed staging file per upload (sealed.ts) and a
 * sealed description beside it (size, metadata such as the file's name, creation time), both under
 * a data key of the upload's own, wrapped by the master key. An upload's offset is what its staging
 * file holds in whole records, so a process killed mid-write resumes from what was kept, and any
 * process that sees the folder can continue an upload (the lock is the server's, in PostgreSQL).
 */
export class SealedStagingStore extends DataStore {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly opts: { directory: string; keys: Keyring; expirationMs: number },
  ) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'creation-defer-length', 'termination', 'expiration'];
  }

  private paths(id: string) {
    if (!ID.test(id)) throw ERRORS.FILE_NOT_FOUND;
    return { data: path.join(this.opts.directory, `${id}.data`), info: path.join(this.opts.directory, `${id}.info`) };
  }

  private async writeInfo(id: string, key: Buffer, wrapped: Buffer, upload: Upload) {
    const { info } = this.paths(id);
    const body = sealMessage(key, INFO_LABEL + id, Buffer.from(JSON.stringify({ size: upload.size ?? null, metadata: upload.metadata ?? {}, creation_date: upload.creation_date })));
    const head = Buffer.alloc(2);
    head.writeUInt16BE(wrapped.length);
    // Written whole, then renamed: a crash leaves the old description or the new, never half.
    const temp = `${info}.${randomBytes(6).toString('hex')}.tmp`;
    // A few hundred bytes: written synchronously, in microseconds, without a hand-off to libuv's threads.
    writeFileSync(temp, Buffer.concat([head, wrapped, body]), { mode: 0o600 });
    renameSync(temp, info);
  }

  private async readInfo(id: string): Promise<{ key: Buffer; wrapped: Buffer; size: number | null; metadata: Record<string, string | null>; creation_date: string }> {
    const { info } = this.paths(id);
    let bytes: Buffer;
    try {
      // A few hundred bytes: read synchronously, in microseconds, without a hand-off to libuv's threads.
      bytes = readFileSync(info);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw ERRORS.FILE_NOT_FOUND;
      throw e;
    }
    const length = bytes.readUInt16BE(0);
    const wrapped = bytes.subarray(2, 2 + length);
    let key = this.keys.get(id);
    if (!key) {
      const master = this.opts.keys.byId.get(wrapped.subarray(0, KEY_ID).toString('hex'));
      if (!master) throw new BlobIntegrityError('the master key of this upload is not configured');
      key = unwrapDataKey(master, wrapLabel(id), wrapped.subarray(KEY_ID));
      this.keys.set(id, key);
    }
    const described = JSON.parse(openMessage(key, INFO_LABEL + id, bytes.subarray(2 + length)).toString('utf8'));
    return { key, wrapped, ...described };
  }

  override async create(upload: Upload): Promise<Upload> {
    const { data } = this.paths(upload.id);
    const key = randomBytes(32);
    upload.creation_date ??= new Date().toISOString();
    const made = () => writeFileSync(data, '', { flag: 'wx', mode: 0o600 });
    try {
      made();
    } catch (err) {
      // The folder is made on first use (and again if it was removed).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(this.opts.directory, { recursive: true, mode: 0o700 });
      made();
    }
    const master = this.opts.keys.current;
    await this.writeInfo(upload.id, key, Buffer.concat([Buffer.from(master.id, 'hex'), wrapDataKey(master, wrapLabel(upload.id), key)]), upload);
    this.keys.set(upload.id, key);
    upload.storage = { type: 'sealed', path: data };
    return upload;
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const { key } = await this.readInfo(id);
    const { data } = this.paths(id);
    return offset + (await append(data, key, id, offset, stream));
  }

  override async getUpload(id: string): Promise<Upload> {
    const info = await this.readInfo(id);
    const { data } = this.paths(id);
    const offset = await recover(data).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw ERRORS.FILE_NOT_FOUND;
      throw e;
    });
    return new Upload({ id, size: info.size ?? undefined, offset, metadata: info.metadata, creation_date: info.creation_date, storage: { type: 'sealed', path: data } });
  }

  override async declareUploadLength(id: string, size: number): Promise<void> {
    const info = await this.readInfo(id);
    const upload = new Upload({ id, size, offset: 0, metadata: info.metadata, creation_date: info.creation_date });
    await this.writeInfo(id, info.key, info.wrapped, upload);
  }

  override async remove(id: string): Promise<void> {
    const { data, info } = this.paths(id);
    for (const file of [info, data]) {
      try {
        unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    this.keys.delete(id);
  }

  /** The plaintext received so far, checked record by record, and how the sender encoded it (for the ingest step). */
  async open(id: string): Promise<{ stream: Readable; encoding: 'deflate' | null }> {
    const { key, metadata } = await this.readInfo(id);
    return { stream: read(this.paths(id).data, key, id), encoding: metadata.encoding === 'deflate' ? 'deflate' : null };
  }

  /** The plaintext received so far, checked record by record. */
  async read(id: string): Promise<Readable> {
    return (await this.open(id)).stream;
  }

  override getExpiration(): number {
    return this.opts.expirationMs;
  }

  override async deleteExpired(): Promise<number> {
    const names = await readdir(this.opts.directory).catch(() => [] as string[]);
    const now = Date.now();
    let deleted = 0;
    for (const name of names) {
      if (!name.endsWith('.info')) continue;
      const id = name.slice(0, -'.info'.length);
      if (!ID.test(id)) continue;
      const info = await this.readInfo(id).catch(() => null);
      if (info && now - Date.parse(info.creation_date) <= this.opts.expirationMs) continue;
      await this.remove(id);
      deleted += 1;
    }
    return deleted;
  }
}
