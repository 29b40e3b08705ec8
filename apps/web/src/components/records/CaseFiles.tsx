import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { caseFile } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { caseFilesQuery, queryKeys } from '../../lib/query.ts';
import { useFormat } from '../../lib/time.ts';
import { folderOf, groupOf } from '../../lib/uploadProgress.ts';
import { call, errorMessage } from '../../lib/api.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { ErrorAlert, Notice } from '../Alert.tsx';
import { ConfirmDialog } from '../Dialog.tsx';

type CaseFile = z.infer<typeof caseFile>;

const BADGE: Record<CaseFile['status'], string> = {
  processing: 'badge--info',
  stored: 'badge--ok',
  duplicate: 'badge--off',
  refused: 'badge--error',
  unpacked: 'badge--ok',
  held: 'badge--warn',
  deleted: 'badge--off',
  purged: 'badge--off',
};

/** Asking to delete a file: the row's button sets it, the dialog confirms it. */
type Remove = (f: CaseFile) => void;
/** A folder of up to this many files is shown open; a CD's thousands stay one row until opened. */
const OPEN_UP_TO = 20;

/** A case's files as the hospital holds them, folders (a CD) grouped under one row each. */
export function CaseFiles({ caseId, token }: { caseId: string; token?: string }) {
  const { t } = useTranslation();
  const files = useQuery(caseFilesQuery(caseId, token));
  const queryClient = useQueryClient();
  const submit = useSubmit();
  const [removing, setRemoving] = useState<CaseFile | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  const remove = async (f: CaseFile) => {
    const done = await submit.run(() => call(CONTRACTS.deleteCaseFile, { params: { id: caseId, fileId: f.id } }, { guestToken: token }));
    setRemoving(null);
    if (done) setRemoved(f.filename);
    await queryClient.invalidateQueries({ queryKey: queryKeys.caseFiles(caseId) });
  };
  const groups = new Map<string, { folder: boolean; items: CaseFile[] }>();
  for (const f of shown(files.data?.items ?? [])) {
    const g = groupOf(f.relativePath, f.filename);
    // Loose files of the same name stay separate rows: keyed by id.
    const key = g.folder ? `dir:${g.key}` : `file:${f.id}`;
    const entry = groups.get(key) ?? { folder: g.folder, items: [] };
    entry.items.push(f);
    groups.set(key, entry);
  }
  return (
    <div className="case-files" data-testid="case-files">
      <h3>{t('portalRecords.listTitle')}</h3>
      <ErrorAlert>{files.error ? errorMessage(files.error) : submit.error}</ErrorAlert>
      {removed && <Notice>{t('portalRecords.removed', { name: removed })}</Notice>}
      {files.data && files.data.items.length === 0 && <p className="muted">{t('portalRecords.listNone')}</p>}
      {groups.size > 0 && (
        <ul className="file-list">
          {[...groups].map(([key, g]) =>
            g.folder ? (
              <FolderRow key={key} name={key.slice(4)} items={g.items} onRemove={setRemoving} />
            ) : (
              <FileRow key={key} f={g.items[0]!} onRemove={setRemoving} />
            ),
          )}
        </ul>
      )}
      {removing && (
        <ConfirmDialog
          title={t('portalRecords.removeTitle', { name: removing.filename })}
          message={t('portalRecords.removeText')}
          confirmLabel={t('portalRecords.removeConfirm')}
          busy={submit.busy}
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(null)}
        />
      )}
    </div>
  );
}

/**
 * The same file, under the same name and folder, received again (a pause that cut the request
 * starting its upload makes the browser send it anew): one row, the received one. A copy sent under
 * another name stays listed as already received: that tells the sender something.
 */
function shown(items: CaseFile[]): CaseFile[] {
  const sameAs = (f: CaseFile) => `${f.relativePath}\u0000${f.filename}\u0000${f.sha256}`;
  const stored = new Set(items.filter((f) => f.status === 'stored').map(sameAs));
  return items.filter((f) => f.status !== 'duplicate' || !stored.has(sameAs(f)));
}

function FolderRow({ name, items, onRemove }: { name: string; items: CaseFile[]; onRemove: Remove }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(items.length <= OPEN_UP_TO);
  const refused = items.filter((f) => f.status === 'refused').length;
  const held = items.filter((f) => f.status === 'held').length;
  const processing = items.some((f) => f.status === 'processing');
  return (
    <li className="file-list__folder">
      <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <span className="file-list__name">{t('portalRecords.folder', { name })}</span>
          <span className="cell-sub">{t('portalRecords.filesIn', { count: items.length })}</span>
          {processing && <span className="badge badge--info">{t('records.status.processing')}</span>}
          {held > 0 && <span className="badge badge--warn">{t('portalRecords.heldCount', { count: held })}</span>}
          {refused > 0 && <span className="badge badge--error">{t('portalRecords.refusedCount', { count: refused })}</span>}
        </summary>
        {/* Thousands of rows only when asked for. */}
        {open && (
          <ul className="file-list">
            {items.map((f) => (
              <FileRow key={f.id} f={f} onRemove={onRemove} />
            ))}
          </ul>
        )}
      </details>
    </li>
  );
}

function FileRow({ f, onRemove }: { f: CaseFile; onRemove: Remove }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const folder = folderOf(f.relativePath);
  return (
    <li className={`file-row file-row--${f.status}`} data-testid="case-file">
      <div className="file-row__head">
        <span className="file-list__name">{f.filename}</span>
        <span className="file-row__actions">
          <span className={`badge ${BADGE[f.status]}`}>{t(`records.status.${f.status}`)}</span>
          {f.removable && (
            <button type="button" className="button button--secondary button--small" onClick={() => onRemove(f)} aria-label={`${t('portalRecords.remove')}: ${f.filename}`} data-testid="remove-file">
              {t('portalRecords.remove')}
            </button>
          )}
        </span>
      </div>
      <span className="cell-sub">
        {folder && <>{t('portalRecords.inFolder', { path: folder })} · </>}
        {fmt.bytes(f.size)}
      </span>
      {(f.status === 'refused' || f.status === 'held') && f.reason && <p className={`file-row__reason file-row__reason--${f.status}`}>{t(`records.reasons.${f.reason}`)}</p>}
    </li>
  );
}
