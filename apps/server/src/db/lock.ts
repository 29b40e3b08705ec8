import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';

export class DatabaseInUseError extends Error {}

/**
 * The embedded database belongs to one process at a time. A lock file holds the owner's PID;
 * a lock left by a process that is gone is taken over.
 */
export function lockDataDir(dataDir: string, purpose: string): () => void {
  const file = path.join(dataDir, 'kakehashi.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(file);
      if (owner && isAlive(owner.pid)) {
        throw new DatabaseInUseError(
          `The embedded database in ${dataDir} is in use by process ${owner.pid} (${owner.purpose}). ` +
            'Stop that process first, or use a PostgreSQL server (DATABASE_URL).',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DatabaseInUseError(`Could not lock ${file}.`);
}

function readOwner(file: string): { pid: number; purpose: string } | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
