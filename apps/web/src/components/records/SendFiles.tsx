import { useEffect, useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/time.ts';
import { droppedEntries, filesOfEntries, filesOfInput, type PickedFile } from '../../lib/droppedFiles.ts';
import type { GroupProgress, UploadSnapshot } from '../../lib/uploadProgress.ts';
import type { Uploader } from '../../lib/uploader.ts';
import { DOCUMENT_KINDS, type DocumentKind } from '@kakehashi/core';
import { ErrorAlert } from '../Alert.tsx';

/** Chosen with "Choose files": on a phone this offers the camera and the photos too. DICOM from a CD goes by folder. */
const ACCEPT = 'image/*,application/pdf,.pdf,application/dicom,.dcm,.zip,application/zip,.heic,.heif';

/** A file of a CD or a DICOM export, by its name: the folder it comes in is imaging. */
const looksDicom = (f: PickedFile) => /(^|\/)DICOMDIR$/i.test(f.relativePath || f.file.name) || /\.dcm$/i.test(f.file.name);

/** The uploader's code (Uppy), fetched once, on the first sign that the patient is about to send. */
const loadUploaderModule = () => import('../../lib/uploader.ts');

/** How a progress is announced to screen readers: at each quarter, pause and end, not at every byte. */
function announcementKey(s: UploadSnapshot): string {
  if (s.paused) return 'paused';
  if (!s.active) return `end-${s.filesDone}-${s.filesFailed}`;
  return `q${Math.floor((s.filesDone / Math.max(1, s.filesTotal)) * 4)}`;
}

/** How to send a CD, a folder or a photo of a paper report: shown where the sending starts. */
export function SendGuide() {
  const { t } = useTranslation();
  return (
    <>
      <h3>{t('portalRecords.guideTitle')}</h3>
      <ul className="send-guide" data-testid="send-guide">
        <li>{t('portalRecords.guideCd')}</li>
        <li>{t('portalRecords.guideFolder')}</li>
        <li>{t('portalRecords.guidePhoto')}</li>
      </ul>
      <p className="muted">{t('portalRecords.accepted')}</p>
    </>
  );
}

/**
 * Sending files into a case through a guest link (the portal's, or an upload-request link, which
 * may not read the case): the guide, a drop zone for files and folders, the two pickers and the
 * progress of what is being sent (per folder, so a CD of thousands of files is a few rows). The
 * sending code is loaded only when the sender starts.
 */
export function SendFiles({
  caseId,
  token,
  passcode,
  onFileDone,
  allSentText,
}: {
  caseId: string;
  token: string;
  passcode?: string;
  onFileDone?: () => void;
  /** What "everything is sent" says (the portal points to its list of files; a page without one cannot). */
  allSentText?: string;
}) {
  const { t, i18n } = useTranslation();
  const uploader = useRef<Promise<Uploader> | null>(null);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const language = useRef(i18n.language);
  language.current = i18n.language;
  const [snapshot, setSnapshot] = useState<UploadSnapshot | null>(null);
  const [reading, setReading] = useState(false);
  const [over, setOver] = useState(false);
  const [loadFailed, setLoadFailed] = useState(false);
  const [unreadable, setUnreadable] = useState(0);
  const [announced, setAnnounced] = useState('');
  /** What the files about to be sent are, on the checklist ('' : not said). */
  const [documentKind, setDocumentKind] = useState<DocumentKind | ''>('');
  const lastKey = useRef('');

  useEffect(() => () => void uploader.current?.then((u) => u.close()), []);

  // Leaving while files are still being sent asks first (the browser words the question).
  const sending = !!snapshot?.active && !snapshot.paused;
  useEffect(() => {
    if (!sending) return;
    const hold = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', hold);
    return () => window.removeEventListener('beforeunload', hold);
  }, [sending]);

  const fileDone = useRef(onFileDone);
  fileDone.current = onFileDone;

  function getUploader(): Promise<Uploader> {
    uploader.current ??= loadUploaderModule().then((m) =>
      m.createUploader({ caseId, token, passcode, locale: () => language.current, onChange: setSnapshot, onFileDone: () => fileDone.current?.() }),
    );
    uploader.current.then(
      () => setLoadFailed(false),
      () => {
        uploader.current = null;
        setLoadFailed(true);
      },
    );
    return uploader.current;
  }

  async function send(files: PickedFile[], skippedUnreadable = 0) {
    setUnreadable((n) => n + skippedUnreadable);
    if (files.length === 0) return;
    try {
      // Not said: a folder with DICOM in it is imaging; anything else answers no item.
      const kind = documentKind || (files.some(looksDicom) ? 'imaging' : '');
      (await getUploader()).add(files, kind);
    } catch {
      // Shown by getUploader (loadFailed).
    }
  }

  async function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    const { entries, files } = droppedEntries(e.dataTransfer);
    void getUploader().catch(() => undefined);
    setReading(true);
    try {
      const read = await filesOfEntries(entries);
      await send([...files.map((file) => ({ file, relativePath: '' })), ...read.files], read.unreadable);
    } finally {
      setReading(false);
    }
  }

  useEffect(() => {
    if (!snapshot) return;
    const key = announcementKey(snapshot);
    if (key === lastKey.current) return;
    lastKey.current = key;
    const s = snapshot;
    if (s.paused) setAnnounced(t('portalRecords.paused'));
    else if (!s.active) setAnnounced(s.filesFailed > 0 ? t('portalRecords.failed', { count: s.filesFailed }) : (allSentText ?? t('portalRecords.allSent')));
    else setAnnounced(`${t('portalRecords.progressTitle')}: ${t('portalRecords.files', { done: s.filesDone, count: s.filesTotal })}`);
  }, [snapshot, t, allSentText]);

  return (
    <>
      <SendGuide />
      <div className="field send-records__kind">
        <label htmlFor="send-document-kind">{t('portalRecords.documentKind')}</label>
        <select id="send-document-kind" className="input" value={documentKind} onChange={(e) => setDocumentKind(e.currentTarget.value as DocumentKind | '')} aria-describedby="send-document-kind-hint" data-testid="document-kind">
          <option value="">{t('portalRecords.documentKindNone')}</option>
          {DOCUMENT_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`cases.documentKinds.${k}`)}
            </option>
          ))}
        </select>
        <p className="field__hint" id="send-document-kind-hint">
          {t('portalRecords.documentKindHint')}
        </p>
      </div>
      <div
        className={`dropzone${over ? ' dropzone--over' : ''}`}
        role="group"
        aria-label={t('portalRecords.dropZone')}
        data-testid="dropzone"
        onPointerEnter={() => void loadUploaderModule().catch(() => undefined)}
        onFocus={() => void loadUploaderModule().catch(() => undefined)}
        onDragEnter={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
        }}
        onDrop={(e) => void onDrop(e)}
      >
        <p className="dropzone__hint" aria-hidden="true">
          {t('portalRecords.dropHere')}
        </p>
        <p className="dropzone__or" aria-hidden="true">
          {t('portalRecords.or')}
        </p>
        <div className="dropzone__buttons">
          <button type="button" className="button button--large" onClick={() => filesInput.current?.click()}>
            {t('portalRecords.chooseFiles')}
          </button>
          <button type="button" className="button button--secondary button--large" onClick={() => folderInput.current?.click()}>
            {t('portalRecords.chooseFolder')}
          </button>
        </div>
        <input
          ref={filesInput}
          type="file"
          multiple
          accept={ACCEPT}
          hidden
          data-testid="choose-files"
          onChange={(e) => {
            void send(filesOfInput(e.currentTarget.files));
            e.currentTarget.value = '';
          }}
        />
        <input
          ref={(el) => {
            folderInput.current = el;
            // Not in React's attribute types: a folder picker (every current browser supports it).
            el?.setAttribute('webkitdirectory', '');
          }}
          type="file"
          multiple
          hidden
          data-testid="choose-folder"
          onChange={(e) => {
            void send(filesOfInput(e.currentTarget.files));
            e.currentTarget.value = '';
          }}
        />
      </div>
      <p className="muted">{t('portalRecords.guideKeepOpen')}</p>
      <ErrorAlert>{loadFailed ? t('portalRecords.loadFailed') : null}</ErrorAlert>
      {reading && <p role="status">{t('portalRecords.reading')}</p>}
      {unreadable > 0 && <p className="alert alert--warning">{t('portalRecords.unreadable', { count: unreadable })}</p>}
      {snapshot && snapshot.filesTotal + snapshot.skipped > 0 && (
        <Progress
          s={snapshot}
          onPause={() => void uploader.current?.then((u) => u.pause())}
          onResume={() => void uploader.current?.then((u) => u.resume())}
          onRetry={() => void uploader.current?.then((u) => u.retry())}
          allSentText={allSentText}
        />
      )}
      <p className="visually-hidden" role="status" aria-live="polite" data-testid="send-announcement">
        {announced}
      </p>
    </>
  );
}

function Progress({ s, onPause, onResume, onRetry, allSentText }: { s: UploadSnapshot; onPause: () => void; onResume: () => void; onRetry: () => void; allSentText?: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const facts = [t('portalRecords.bytes', { sent: fmt.bytes(s.bytesSent), total: fmt.bytes(s.bytesTotal) })];
  if (s.active && s.bytesPerSecond !== null) facts.push(t('portalRecords.speed', { speed: fmt.bytes(s.bytesPerSecond) }));
  if (s.secondsLeft !== null) facts.push(t('portalRecords.timeLeft', { time: fmt.duration(s.secondsLeft) }));
  return (
    <section className="upload-progress" aria-labelledby="upload-progress-title" data-testid="upload-progress">
      <h3 id="upload-progress-title">{s.active ? t('portalRecords.progressTitle') : t('portalRecords.sentTitle')}</h3>
      {s.filesTotal > 0 && (
        <>
          <progress className="bar" max={Math.max(1, s.bytesTotal)} value={s.bytesSent} aria-labelledby="upload-progress-title" />
          <p className="upload-progress__facts">
            <span>{t('portalRecords.files', { done: s.filesDone, count: s.filesTotal })}</span>
            {facts.map((f) => (
              <span key={f}>{f}</span>
            ))}
          </p>
        </>
      )}
      {s.active && (
        <div className="button-row">
          {s.paused ? (
            <button type="button" className="button" onClick={onResume}>
              {t('portalRecords.resume')}
            </button>
          ) : (
            <button type="button" className="button button--secondary" onClick={onPause}>
              {t('portalRecords.pause')}
            </button>
          )}
        </div>
      )}
      {s.paused && <p className="alert alert--info">{t('portalRecords.paused')}</p>}
      {!s.active && s.filesTotal > 0 && s.filesFailed === 0 && <p className="alert alert--success">{allSentText ?? t('portalRecords.allSent')}</p>}
      {!s.active && s.filesFailed > 0 && (
        <div className="alert alert--error">
          <p>{t('portalRecords.failed', { count: s.filesFailed })}</p>
          <button type="button" className="button" onClick={onRetry}>
            {t('portalRecords.retry')}
          </button>
        </div>
      )}
      {s.skipped > 0 && <p className="muted">{t('portalRecords.skipped', { count: s.skipped })}</p>}
      <ul className="upload-groups" data-testid="upload-groups">
        {s.groups.map((g) => (
          <GroupRow key={g.key} g={g} />
        ))}
      </ul>
    </section>
  );
}

function GroupRow({ g }: { g: GroupProgress }) {
  const { t } = useTranslation();
  const name = g.folder ? t('portalRecords.folder', { name: g.key }) : g.key;
  const complete = g.done === g.total;
  return (
    <li className={`upload-group${complete ? ' upload-group--done' : ''}${g.errors.length ? ' upload-group--failed' : ''}`}>
      <div className="upload-group__head">
        <span className="upload-group__name">{name}</span>
        <span className="upload-group__count">{t('portalRecords.files', { done: g.done, count: g.total })}</span>
      </div>
      <progress className="bar bar--small" max={Math.max(1, g.bytesTotal)} value={g.bytesSent} aria-label={name} />
      {g.errors.length > 0 && (
        <ul className="upload-group__errors">
          {g.errors.map((e) => (
            <li key={e.id}>
              <span className="upload-group__file">{e.relativePath || e.name}</span> {e.message ?? t('portalRecords.connectionLost')}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
