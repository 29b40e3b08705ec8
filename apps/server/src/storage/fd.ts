/**
 * Asynchronous writes and flushes on a file descriptor, for code that opens and closes its files
 * synchronously (backend.ts, the staging store): the long calls stay off the event loop.
 */
import { fsync, writev } from 'node:fs';
import { promisify } from 'node:util';

export const fsyncFd = promisify(fsync);
const writevFd = promisify(writev);

/** Writes every byte of the buffers, in order, at the file's position (carrying on after a short write). */
export async function writeBuffers(fd: number, buffers: Buffer[]): Promise<void> {
  let left = buffers;
  while (left.length) {
    const { bytesWritten: written } = await writevFd(fd, left);
    if (written === 0) throw new Error('the file system took no bytes');
    let skip = written;
    while (left.length && skip >= left[0].length) {
      skip -= left[0].length;
      left = left.slice(1);
    }
    if (skip) left = [left[0].subarray(skip), ...left.slice(1)];
  }
}
