/*
 * What the portal shows while records are being sent, kept apart from the uploader library (Uppy,
 * loaded lazily) so the page can read it without loading that library. A CD of thousands of files
 * is summed per top-level folder: a handful of rows, each updated in constant time per event.
 */

/** A file that could not be sent: the server's translated message, or null when no answer came (the connection). */
export interface FileError {
  id: string;
  name: string;
  relativePath: string;
  message: string | null;
}

/** One row of the progress: a folder (the top-level folder of the files' relative paths) or a loose file. */
export interface GroupProgress {
  key: string;
  folder: boolean;
  total: number;
  done: number;
  bytesTotal: number;
  bytesSent: number;
  errors: FileError[];
}

export interface UploadSnapshot {
  filesTotal: number;
  filesDone: number;
  filesFailed: number;
  bytesTotal: number;
  bytesSent: number;
  /** Bytes a second over the last few seconds; null until it can be told. */
  bytesPerSecond: number | null;
  secondsLeft: number | null;
  paused: boolean;
  /** Files still to be sent (neither done nor failed). */
  active: boolean;
  /** Files chosen a second time in this visit: not sent again. */
  skipped: number;
  groups: GroupProgress[];
}

/** The row a file is counted in: its top-level folder, or the file itself when it came alone. */
export function groupOf(relativePath: string, name: string): { key: string; folder: boolean } {
  const parts = relativePath.split('/').filter(Boolean);
  return parts.length > 1 ? { key: parts[0]!, folder: true } : { key: name, folder: false };
}

/** The folder a file sits in, from its relative path (`CD/DICOM/IM0001` → `CD/DICOM`); '' for a loose file. */
export function folderOf(relativePath: string): string {
  const i = relativePath.lastIndexOf('/');
  return i > 0 ? relativePath.slice(0, i) : '';
}

/**
 * Throughput over a sliding window of samples (time in ms, total bytes sent): a far link's speed
 * swings, so the last few seconds say more than the average since the start.
 */
export class Throughput {
  private samples: Array<[number, number]> = [];
  constructor(private readonly windowMs = 8000) {}

  add(at: number, bytesSent: number): void {
    this.samples.push([at, bytesSent]);
    while (this.samples.length > 2 && at - this.samples[1]![0] > this.windowMs) this.samples.shift();
  }

  /** Forgets the past (after a pause: the time paused is not slowness). */
  reset(): void {
    this.samples = [];
  }

  /** Bytes a second, or null with less than a second of samples. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last[0] - first[0] < 1000) return null;
    return ((last[1] - first[1]) * 1000) / (last[0] - first[0]);
  }
}

interface Entry {
  group: GroupProgress;
  size: number;
  sent: number;
  state: 'sending' | 'done' | 'failed';
}

/** The running count of one visit's uploads, fed by the uploader's events. */
export class UploadTally {
  private readonly files = new Map<string, Entry>();
  private readonly groups = new Map<string, GroupProgress>();
  private readonly throughput = new Throughput();
  private bytesTotal = 0;
  private bytesSent = 0;
  private nDone = 0;
  private nFailed = 0;
  private skipped = 0;
  paused = false;

  add(id: string, name: string, relativePath: string, size: number): void {
    if (this.files.has(id)) return;
    const g = groupOf(relativePath, name);
    let group = this.groups.get(g.key);
    if (!group) {
      group = { ...g, total: 0, done: 0, bytesTotal: 0, bytesSent: 0, errors: [] };
      this.groups.set(g.key, group);
    }
    group.total += 1;
    group.bytesTotal += size;
    this.bytesTotal += size;
    this.files.set(id, { group, size, sent: 0, state: 'sending' });
  }

  skip(count: number): void {
    this.skipped += count;
  }

  progress(id: string, sent: number, at: number): void {
    const f = this.files.get(id);
    if (!f || f.state !== 'sending') return;
    this.move(f, Math.min(sent, f.size));
    this.throughput.add(at, this.bytesSent);
  }

  succeeded(id: string): void {
    const f = this.files.get(id);
    if (!f || f.state === 'done') return;
    if (f.state === 'failed') this.unfail(id, f);
    this.move(f, f.size);
    f.state = 'done';
    f.group.done += 1;
    this.nDone += 1;
  }

  fail(id: string, name: string, relativePath: string, message: string | null): void {
    const f = this.files.get(id);
    if (!f || f.state !== 'sending') return;
    f.state = 'failed';
    f.group.errors.push({ id, name, relativePath, message });
    this.nFailed += 1;
  }

  /** The failed files are being sent again. */
  retrying(): string[] {
    const ids: string[] = [];
    for (const [id, f] of this.files) if (f.state === 'failed') (this.unfail(id, f), ids.push(id));
    return ids;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.throughput.reset();
  }

  snapshot(): UploadSnapshot {
    const rate = this.paused ? null : this.throughput.rate();
    const left = this.bytesTotal - this.bytesSent;
    const active = this.nDone + this.nFailed < this.files.size;
    return {
      filesTotal: this.files.size,
      filesDone: this.nDone,
      filesFailed: this.nFailed,
      bytesTotal: this.bytesTotal,
      bytesSent: this.bytesSent,
      bytesPerSecond: rate,
      secondsLeft: active && rate && rate > 0 ? Math.ceil(left / rate) : null,
      paused: this.paused,
      active,
      skipped: this.skipped,
      groups: [...this.groups.values()].map((g) => ({ ...g, errors: [...g.errors] })),
    };
  }

  private move(f: Entry, sent: number): void {
    const delta = sent - f.sent;
    f.sent = sent;
    f.group.bytesSent += delta;
    this.bytesSent += delta;
  }

  private unfail(id: string, f: Entry): void {
    f.state = 'sending';
    f.group.errors = f.group.errors.filter((e) => e.id !== id);
    this.nFailed -= 1;
  }
}
