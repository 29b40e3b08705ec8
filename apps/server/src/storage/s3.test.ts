import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3, type TestS3 } from '../../test/s3.ts';
import { StorageUnavailableError } from './errors.ts';
import { S3Backend, type S3Settings } from './s3.ts';

// The blob store's own suite runs over this backend too (blob-store.test.ts); here, how the store's failures come out.
let s3: TestS3;
beforeAll(async () => void (s3 = await startS3(['blobs'])));
afterAll(() => s3.stop());

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Every operation of the backend, each settled to what it threw. */
async function failures(backend: S3Backend): Promise<unknown[]> {
  const results = await Promise.allSettled([
    backend.create('abcd-0001', Readable.from([randomBytes(100)])),
    drain(backend.read('abcd-0001', 0, 9)),
    backend.remove('abcd-0001'),
  ]);
  backend.destroy();
  return results.map((r) => (r.status === 'rejected' ? r.reason : r.value));
}

describe('an object store that fails is a storage error', () => {
  it('a bucket that does not exist', async () => {
    for (const err of await failures(new S3Backend(s3.settings('no-such-bucket')))) {
      expect(err).toBeInstanceOf(StorageUnavailableError);
      expect((err as Error).message).toMatch(/NoSuchBucket/);
    }
  });

  it('nothing listening', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    for (const err of await failures(new S3Backend({ ...s3.settings('blobs'), endpoint: `http://127.0.0.1:${port}` }))) {
      expect(err).toBeInstanceOf(StorageUnavailableError);
      expect((err as Error).message).toMatch(/ECONNREFUSED/);
    }
  });

  describe('a server that accepts connections and never answers', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    let settings: S3Settings;
    beforeAll(async () => {
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.resume(); // reads the request, answers nothing
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as { port: number };
      settings = { ...s3.settings('blobs'), endpoint: `http://127.0.0.1:${port}`, socketTimeoutMs: 300 };
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('times out instead of hanging', async () => {
      for (const err of await failures(new S3Backend(settings))) {
        expect(err).toBeInstanceOf(StorageUnavailableError);
        expect((err as Error).message).toMatch(/Timeout/i);
      }
    });
  });
});
