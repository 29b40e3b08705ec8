/** A file to send, with its place in the folder it came with ('' when it came alone). */
export interface PickedFile {
  file: File;
  relativePath: string;
}

/**
 * The dropped items as file-system entries. Must run inside the drop event: once it returns, the
 * browser empties the DataTransfer, while the entries stay readable.
 */
export function droppedEntries(data: DataTransfer): { entries: FileSystemEntry[]; files: File[] } {
  const entries: FileSystemEntry[] = [];
  const files: File[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else {
      // No entries API: the file itself (a folder cannot be read then).
      const f = item.getAsFile();
      if (f) files.push(f);
    }
  }
  return { entries, files };
}

const fileOf = (entry: FileSystemFileEntry) => new Promise<File>((resolve, reject) => entry.file(resolve, reject));

/** All of a folder's entries: a reader hands them out in batches (about 100 in Chromium) until an empty one. */
async function childrenOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/**
 * Every file under the dropped entries, folders read recursively, each with its path from the
 * dropped folder (`CD/DICOM/IM0001`). An unreadable entry (a broken link, a name too long for the
 * system) is left out rather than stopping the rest; the count of those is returned.
 */
export async function filesOfEntries(entries: FileSystemEntry[]): Promise<{ files: PickedFile[]; unreadable: number }> {
  const files: PickedFile[] = [];
  let unreadable = 0;
  const walk = async (entry: FileSystemEntry, parent: string, inFolder: boolean): Promise<void> => {
    const path = parent ? `${parent}/${entry.name}` : entry.name;
    try {
      if (entry.isFile) files.push({ file: await fileOf(entry as FileSystemFileEntry), relativePath: inFolder ? path : '' });
      else if (entry.isDirectory) for (const child of await childrenOf(entry as FileSystemDirectoryEntry)) await walk(child, path, true);
    } catch {
      unreadable += 1;
    }
  };
  for (const e of entries) await walk(e, '', false);
  return { files, unreadable };
}

/** Files from an `<input type=file>`: a chosen folder's files carry their path in `webkitRelativePath`. */
export function filesOfInput(list: FileList | null): PickedFile[] {
  return Array.from(list ?? [], (file) => ({ file, relativePath: file.webkitRelativePath ?? '' }));
}
