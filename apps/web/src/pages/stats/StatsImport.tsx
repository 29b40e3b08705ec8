import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { parse } from 'csv-parse/browser/esm/sync';
import { csvRecords, decide, IMPORT_CSV_OPTIONS, type CsvRecord, IMPORT_MAX_BYTES, IMPORT_MODES, IMPORT_REQUIRED_COLUMNS, type ImportResult } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { errorMessage, sendFile } from '../../lib/api.ts';
import { queryClient, queryKeys } from '../../lib/query.ts';
import { formatBytes } from '../../lib/time.ts';
import { useSession } from '../../lib/session.tsx';
import { policyPrincipalOf } from '../../lib/policy.ts';
import { PageHead } from '../../components/PageHead.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Field } from '../../components/Field.tsx';

/** Rows of the file shown before it is sent. */
const PREVIEW_ROWS = 10;
type Mode = (typeof IMPORT_MODES)[number];
const MODE_KEYS = { 'all-or-nothing': 'allOrNothing', 'skip-invalid': 'skipInvalid' } as const;

interface Preview {
  file: File;
  header: string[];
  rows: CsvRecord[];
  missing: string[];
}

/**
 * The history import (docs/architecture.md, "Statistics"): the file is read here first — its header
 * checked, its first rows shown, its rows counted — then sent as it is, with its progress. The server
 * checks every row again and names the bad ones.
 */
export function StatsImportPage() {
  const { t } = useTranslation();
  const { me } = useSession();
  // The server refuses others anyway; say so plainly instead of a form that cannot work.
  if (!me || !decide('stats.import', policyPrincipalOf(me))) {
    return (
      <div className="alert alert--error" role="alert">
        {t('errors.forbidden')}
      </div>
    );
  }
  return <ImportForm />;
}

function ImportForm() {
  const { t, i18n } = useTranslation();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>('all-or-nothing');
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const busy = progress !== null && result === null && error === null;
  const number = new Intl.NumberFormat(i18n.language);

  async function choose(file: File | undefined) {
    setPreview(null);
    setResult(null);
    setError(null);
    setProgress(null);
    setProblem(null);
    if (!file) return;
    if (file.size > IMPORT_MAX_BYTES) {
      setProblem(t('stats.importPage.tooLarge', { size: formatBytes(file.size, i18n.language), max: formatBytes(IMPORT_MAX_BYTES, i18n.language) }));
      return;
    }
    let records: CsvRecord[];
    try {
      // Read as the server reads it (csv-parse, the same options): what the preview shows is what is imported.
      records = csvRecords(parse(await file.text(), IMPORT_CSV_OPTIONS));
    } catch {
      setProblem(t('stats.importPage.notCsv'));
      return;
    }
    const [header, ...rows] = records;
    const columns = new Set((header?.fields ?? []).map((h) => h.trim().toLowerCase()));
    setPreview({ file, header: header?.fields ?? [], rows, missing: IMPORT_REQUIRED_COLUMNS.filter((c) => !columns.has(c)) });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!preview || preview.missing.length) return;
    setResult(null);
    setError(null);
    setProgress({ sent: 0, total: preview.file.size });
    try {
      const answer = await sendFile(CONTRACTS.importConsultations, { query: { mode } }, preview.file, 'text/csv; charset=utf-8', (sent, total) => setProgress({ sent, total }));
      setProgress({ sent: preview.file.size, total: preview.file.size });
      setResult(answer);
      if (answer.imported) void queryClient.invalidateQueries({ queryKey: queryKeys.stats() });
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  const percent = progress && progress.total ? Math.round((progress.sent / progress.total) * 100) : 0;

  return (
    <>
      <PageHead
        title={t('stats.importPage.title')}
        intro={t('stats.importPage.intro')}
        action={
          <Link className="button button--secondary" to="/stats">
            {t('stats.importPage.back')}
          </Link>
        }
      />
      <p className="muted stats-import-columns">{t('stats.importPage.columns')}</p>
      <form className="form card stats-import" onSubmit={submit} noValidate>
        <Field label={t('stats.importPage.file')} hint={t('stats.importPage.fileHint', { max: formatBytes(IMPORT_MAX_BYTES, i18n.language) })} error={problem}>
          {(p) => <input {...p} className="input" type="file" name="file" accept=".csv,text/csv" disabled={busy} onChange={(e) => void choose(e.target.files?.[0])} />}
        </Field>
        {preview && (
          <section className="stats-import-preview" data-testid="import-preview" aria-labelledby="import-preview-title">
            <h2 id="import-preview-title">{t('stats.importPage.preview')}</h2>
            <p>{t('stats.importPage.rows', { file: preview.file.name, rows: number.format(preview.rows.length), size: formatBytes(preview.file.size, i18n.language) })}</p>
            {preview.missing.length > 0 ? (
              <ErrorAlert>{t('stats.importPage.headerMissing', { columns: preview.missing.join(', ') })}</ErrorAlert>
            ) : (
              <div className="table-wrap" tabIndex={0} role="region" aria-label={t('stats.importPage.preview')}>
                <table className="table stats-table">
                  <thead>
                    <tr>
                      <th scope="col" className="num">
                        {t('stats.importPage.row')}
                      </th>
                      {preview.header.map((h, i) => (
                        <th key={i} scope="col" data-verbatim>
                          {h}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {preview.rows.slice(0, PREVIEW_ROWS).map((r) => (
                      <tr key={r.line}>
                        <td className="num">{r.line}</td>
                        {r.fields.map((v, j) => (
                          <td key={j} className="cell-nowrap">
                            {v}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        )}
        <fieldset className="choice stats-import-mode">
          <legend>{t('stats.importPage.mode')}</legend>
          <div className="choice__options">
            {IMPORT_MODES.map((m) => (
              <label key={m} className="choice__option">
                <input type="radio" name="mode" value={m} checked={mode === m} disabled={busy} onChange={() => setMode(m)} />
                <span>
                  <strong>{t(`stats.importPage.modes.${MODE_KEYS[m]}`)}</strong>
                  <span className="cell-sub">{t(`stats.importPage.modeHints.${MODE_KEYS[m]}`)}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="form__actions">
          <button type="submit" className="button" disabled={!preview || preview.missing.length > 0 || busy}>
            {t('stats.importPage.submit')}
          </button>
        </div>
        {progress && (
          <div className="upload-progress">
            <h3 id="import-progress-title">{t('stats.importPage.progress')}</h3>
            <progress className="bar" max={100} value={percent} aria-labelledby="import-progress-title" data-testid="import-progress" />
            <p className="muted" role="status">
              {result || error ? t('stats.importPage.sent') : busy && percent === 100 ? t('stats.importPage.checking') : t('stats.importPage.sending', { percent })}
            </p>
          </div>
        )}
      </form>
      <ErrorAlert>{error}</ErrorAlert>
      {result && (
        <section className="stats-import-result" data-testid="import-result" aria-labelledby="import-result-title">
          <h2 id="import-result-title">{t('stats.importPage.result')}</h2>
          {result.imported > 0 || result.rejected.length === 0 ? (
            <Notice>{t('stats.importPage.imported', { imported: number.format(result.imported) })}</Notice>
          ) : (
            <Notice tone="warning">{t('stats.importPage.nothingImported')}</Notice>
          )}
          {result.rejected.length > 0 && (
            <>
              <h3>{t('stats.importPage.rejected', { rows: number.format(result.rejected.length) })}</h3>
              <div className="table-wrap" tabIndex={0} role="region" aria-label={t('stats.importPage.rejected', { rows: result.rejected.length })}>
                <table className="table" data-testid="import-rejected">
                  <thead>
                    <tr>
                      <th scope="col" className="num">
                        {t('stats.importPage.row')}
                      </th>
                      <th scope="col">{t('stats.importPage.reason')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.rejected.map((r) => (
                      <tr key={r.row} data-row={r.row}>
                        <td className="num">{r.row}</td>
                        <td>{r.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </section>
      )}
    </>
  );
}
