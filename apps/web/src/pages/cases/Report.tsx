import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import { LOCALES, type Action, type caseReport, type Locale, type ReportContent } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';
import { ApiError, call, downloadFile, errorMessage } from '../../lib/api.ts';
import { queryClient } from '../../lib/query.ts';
import { useSubmit } from '../../lib/useSubmit.ts';
import { useFormat } from '../../lib/time.ts';
import { currentLocale } from '../../lib/i18n.ts';
import { Field } from '../../components/Field.tsx';
import { ErrorAlert, Notice } from '../../components/Alert.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Card } from './parts.tsx';
import { patientWordsQuery } from './PatientWordsCard.tsx';
import { Conflict } from './VisitRecord.tsx';
import type { CaseDetail } from './CasePage.tsx';
import { LanguageSelect } from '../../components/LanguageSelect.tsx';

type Report = z.infer<typeof caseReport>;
type Text = Report['texts'][number];
type Section = Exclude<keyof ReportContent, 'questions'>;

const reportKey = (caseId: string) => ['case', caseId, 'report'] as const;
/** The sections in the order the PDF prints them; the questions come after the case summary. */
const BEFORE: Section[] = ['caseSummary'];
const AFTER: Section[] = ['diagnosisOpinion', 'treatmentOpinion', 'recommendations', 'discussWithPrimaryDoctor'];
const EMPTY: ReportContent = { caseSummary: '', questions: [{ question: '', answer: '' }], diagnosisOpinion: '', treatmentOpinion: '', recommendations: '', discussWithPrimaryDoctor: '' };
/** A translation starts empty, with a row for each of the original's questions. */
const blankLike = (c: ReportContent): ReportContent => ({ ...EMPTY, questions: c.questions.map(() => ({ question: '', answer: '' })) });

const STATUS_TONE = { draft: 'badge--warn', ready: 'badge--info', signed: 'badge--ok' } as const;

/**
 * The case's second-opinion report: each language of the current version with its status and who
 * wrote, translated and signed it; the original's editor for the team's physician, the side-by-side
 * translation editor for the interpreter, signing and amending for the physician, read-only for the
 * rest of the team and the coordinators. What each may do comes from the case's `allowed.actions`.
 */
export function ReportCard({ c }: { c: CaseDetail }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const may = (a: Action) => c.allowed.actions.includes(a);
  const q = useQuery({ queryKey: reportKey(c.id), queryFn: () => call(CONTRACTS.getCaseReport, { params: { id: c.id } }) });
  // Which language is opened; at first the original, while its writer may still change it.
  const [chosen, setOpen] = useState<Locale | null | undefined>(undefined);
  const [amending, setAmending] = useState(false);
  // The editors start afresh when a first save adds their row: the notice of a save is kept here.
  const [saved, onSaved] = useState<string | null>(null);
  const r = q.data;
  const original = r?.texts.find((x) => x.isOriginal) ?? null;
  const open = chosen === undefined ? (original?.status === 'draft' && may('report.write') ? original.language : null) : chosen;
  const missing = r && original ? LOCALES.filter((l) => !r.texts.some((x) => x.language === l)) : [];
  // The patient's language first among the translations still to start.
  missing.sort((a, b) => Number(b === c.locale) - Number(a === c.locale));

  return (
    <Card id="case-report" title={t('report.title')} action={r && r.currentVersion > 0 ? <span className="badge badge--info">{t('report.version', { version: r.currentVersion })}</span> : undefined}>
      <ErrorAlert>{q.error && errorMessage(q.error)}</ErrorAlert>
      {r && (
        <div data-testid="report">
          {r.deliveredAt && <p className="muted">{t('report.delivered', { time: fmt.dateTime(r.deliveredAt) })}</p>}
          {r.amendmentReason && (
            <div className="report__reason" data-testid="report-reason">
              <h3>{t('report.reasonTitle', { version: r.currentVersion })}</h3>
              <p className="prewrap">{r.amendmentReason}</p>
            </div>
          )}
          {!original && <p className="muted">{may('report.write') ? t('report.notStartedWriter') : t('report.notStarted')}</p>}
          {r.texts.length > 0 && (
            <ul className="report__texts" data-testid="report-texts">
              {r.texts.map((x) => (
                <TextRow key={x.language} c={c} r={r} x={x} open={open === x.language} onToggle={() => setOpen(open === x.language ? null : x.language)} saved={saved} onSaved={onSaved} />
              ))}
            </ul>
          )}
          {!original && may('report.write') && <OriginalEditor c={c} r={r} text={null} saved={saved} onSaved={onSaved} />}
          {original && may('report.translate') && missing.length > 0 && (
            <div className="report__start">
              {missing.map((l) => (
                <button key={l} type="button" className="button button--secondary" onClick={() => setOpen(l)} data-testid={`report-start-${l}`}>
                  {t('report.startTranslation', { language: t(`languages.${l}`) })}
                  {l === c.locale ? ` · ${t('report.patientLanguage')}` : ''}
                </button>
              ))}
            </div>
          )}
          {original && open && missing.includes(open) && <TranslationEditor c={c} original={original} language={open} text={null} saved={saved} onSaved={onSaved} />}
          {original?.status === 'signed' && may('report.amend') && (
            <p>
              <button type="button" className="button button--secondary" onClick={() => setAmending(true)} data-testid="report-amend">
                {t('report.amend')}
              </button>
            </p>
          )}
          {amending && <AmendDialog c={c} r={r} onClose={() => setAmending(false)} />}
        </div>
      )}
    </Card>
  );
}

/** One language of the current version: status, people, actions, and its editor or text when opened. */
function TextRow({ c, r, x, open, onToggle, ...notice }: { c: CaseDetail; r: Report; x: Text; open: boolean; onToggle: () => void } & SavedNotice) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const may = (a: Action) => c.allowed.actions.includes(a);
  const s = useSubmit();
  const [signing, setSigning] = useState(false);
  const original = r.texts.find((o) => o.isOriginal)!;
  const editable = x.status !== 'signed' && may(x.isOriginal ? 'report.write' : 'report.translate');
  const canSign = may('report.sign') && (x.isOriginal ? x.status !== 'signed' : x.status === 'ready' && original.status === 'signed');
  const language = t(`languages.${x.language}`);

  const markReady = () =>
    s.run(async () => {
      queryClient.setQueryData(reportKey(c.id), await call(CONTRACTS.markReportTranslationReady, { params: { id: c.id, language: x.language }, body: { version: x.version } }));
    });
  const download = () =>
    s.run(() => downloadFile(CONTRACTS.getReportPdf, { params: { id: c.id }, query: { lang: x.language } }, `${c.number}-v${r.currentVersion}-${x.language}.pdf`));

  return (
    <li className="report__text" data-testid={`report-text-${x.language}`}>
      <div className="report__text-head">
        <strong>{language}</strong>
        <span className="muted">{x.isOriginal ? t('report.original') : t('report.translation')}</span>
        {x.language === c.locale && <span className="muted">· {t('report.patientLanguage')}</span>}
        <span className={`badge ${STATUS_TONE[x.status]}`} data-testid="report-status">
          {t(`report.status.${x.status}`)}
        </span>
      </div>
      <p className="cell-sub">
        {[
          t('report.writtenBy', { name: x.writtenBy.name }),
          x.translatedBy && t('report.translatedBy', { name: x.translatedBy.name }),
          x.signedBy ? t('report.signedBy', { name: x.signedBy.name, time: fmt.dateTime(x.signedAt) }) : t('report.lastSaved', { time: fmt.dateTime(x.updatedAt) }),
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      {x.verificationCode && (
        <p className="cell-sub">
          {t('report.code')}: <span className="mono-wrap" data-testid="report-code">{x.verificationCode}</span>
        </p>
      )}
      <ErrorAlert>{s.error}</ErrorAlert>
      <div className="report__actions">
        <button type="button" className="button button--secondary button--small" onClick={onToggle} aria-expanded={open} data-testid="report-open">
          {open ? t('report.close') : editable ? (x.isOriginal ? t('report.edit') : t('report.translate')) : t('report.show')}
        </button>
        {!x.isOriginal && x.status === 'draft' && may('report.translation_ready') && (
          <button type="button" className="button button--secondary button--small" onClick={() => void markReady()} disabled={s.busy} data-testid="report-ready">
            {t('report.markReady')}
          </button>
        )}
        {canSign && (
          <button type="button" className="button button--small" onClick={() => setSigning(true)} data-testid="report-sign">
            {t('report.sign')}
          </button>
        )}
        {x.status === 'signed' && (
          <button type="button" className="button button--secondary button--small" onClick={() => void download()} disabled={s.busy} data-testid="report-download">
            {t('report.download', { language })}
          </button>
        )}
      </div>
      {signing && <SignDialog c={c} r={r} x={x} onClose={() => setSigning(false)} />}
      {open &&
        (editable ? (
          x.isOriginal ? (
            <OriginalEditor c={c} r={r} text={x} {...notice} />
          ) : (
            <TranslationEditor c={c} original={original} language={x.language} text={x} {...notice} />
          )
        ) : (
          <ContentView content={x.content} language={x.language} />
        ))}
    </li>
  );
}

/** A text as written, read only. */
function ContentView({ content, language }: { content: ReportContent; language: Locale }) {
  const { t } = useTranslation();
  const para = (v: string) => (v ? <p className="prewrap">{v}</p> : <p className="muted">{t('common.none')}</p>);
  return (
    <div className="report__view" lang={language} data-testid="report-view">
      {BEFORE.map((k) => (
        <section key={k}>
          <h4>{t(`report.section.${k}`)}</h4>
          {para(content[k])}
        </section>
      ))}
      <section>
        <h4>{t('report.section.questions')}</h4>
        {content.questions.length === 0 && para('')}
        {content.questions.map((qa, i) => (
          <div key={i} className="report__qa">
            <p className="prewrap">
              <strong>{qa.question}</strong>
            </p>
            {para(qa.answer)}
          </div>
        ))}
      </section>
      {AFTER.map((k) => (
        <section key={k}>
          <h4>{t(`report.section.${k}`)}</h4>
          {para(content[k])}
        </section>
      ))}
    </div>
  );
}

/** Which text's save was last confirmed (`language:version`), kept above the editors. */
type SavedNotice = { saved: string | null; onSaved: (key: string | null) => void };

/** Saves a text against the version read; a 409 shows what the other person saved beside this one. */
function useSave(c: CaseDetail, language: Locale, text: Text | null, setContent: (c: ReportContent) => void, { saved, onSaved }: SavedNotice) {
  const s = useSubmit();
  const [theirs, setTheirs] = useState<Text | null>(null);
  const [current, setCurrent] = useState<Report | null>(null);
  const save = (send: () => Promise<Report>) => {
    setTheirs(null);
    onSaved(null);
    return s.run(async () => {
      try {
        const next = await send();
        queryClient.setQueryData(reportKey(c.id), next);
        onSaved(`${language}:${next.texts.find((x) => x.language === language)?.version}`);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'changed_meanwhile') {
          const now = (err.details as { current: Report }).current;
          setCurrent(now);
          setTheirs(now.texts.find((x) => x.language === language) ?? null);
        }
        throw err;
      }
    });
  };
  const reload = () => {
    if (current) queryClient.setQueryData(reportKey(c.id), current);
    if (theirs) setContent(theirs.content);
    setTheirs(null);
  };
  return { s, saved: saved === `${language}:${text?.version}`, theirs, reload, save };
}

/** The differing sections of two texts, for the conflict box. */
function useConflictRows(mine: ReportContent, theirs: ReportContent | undefined) {
  const { t } = useTranslation();
  if (!theirs) return [];
  const qa = (c: ReportContent) => c.questions.map((x) => `${x.question}\n${x.answer}`).join('\n\n');
  return [
    ...[...BEFORE, ...AFTER].map((k) => ({ label: t(`report.section.${k}`), mine: mine[k], theirs: theirs[k], same: mine[k] === theirs[k] })),
    { label: t('report.section.questions'), mine: qa(mine), theirs: qa(theirs), same: qa(mine) === qa(theirs) },
  ];
}

function ConflictBox({ mine, theirs, onReload }: { mine: ReportContent; theirs: Text; onReload: () => void }) {
  const rows = useConflictRows(mine, theirs.content);
  return <Conflict rows={rows} theirs={{ updatedBy: theirs.translatedBy ?? theirs.writtenBy, updatedAt: theirs.updatedAt }} onReload={onReload} />;
}

/** The physician's original: the patient's own words from the request beside the editor. */
function OriginalEditor({ c, r, text, ...notice }: { c: CaseDetail; r: Report; text: Text | null } & SavedNotice) {
  const { t } = useTranslation();
  const ui = currentLocale();
  const [language, setLanguage] = useState<Locale>(text?.language ?? r.originalLanguage ?? ui);
  const [content, setContent] = useState<ReportContent>(text?.content ?? EMPTY);
  const { s, saved, theirs, reload, save } = useSave(c, language, text, setContent, notice);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(() => call(CONTRACTS.saveReportOriginal, { params: { id: c.id }, body: { language, version: text?.version ?? 0, content } }));
  };
  const m = c.medical;
  // The interpreter's translation of the patient's words into the language being written, where there is one.
  const words = useQuery({ ...patientWordsQuery(c.id), enabled: c.allowed.actions.includes('case.words_read') }).data;
  const translated = words?.translations.find((x) => x.language === language && x.language !== words.original.language) ?? null;
  return (
    <div className="report__split">
      <aside className="report__request" aria-labelledby="report-request-title" data-testid="report-request">
        <h3 id="report-request-title">{t('report.requestTitle')}</h3>
        {(
          [
            ['diagnosis', m.diagnosis],
            ['currentTreatment', m.currentTreatment],
            ['pastTreatment', m.pastTreatment],
            ['questions', m.questions],
          ] as const
        ).map(([k, v]) => (
          <section key={k}>
            <h4>{t(`caseView.field.${k}`)}</h4>
            <p className="prewrap" lang={c.locale}>
              {v || t('common.none')}
            </p>
            {translated && (
              <p className="prewrap" lang={language} data-testid="report-request-translation">
                <span className="conflict__side">{t('patientWords.translation', { language: t(`languages.${language}`) })}</span>
                {'\n'}
                {translated[k] || t('common.none')}
              </p>
            )}
          </section>
        ))}
      </aside>
      <form className="form" onSubmit={submit} noValidate data-testid="report-original-form">
        {theirs && <ConflictBox mine={content} theirs={theirs} onReload={reload} />}
        {!theirs && <ErrorAlert>{s.error}</ErrorAlert>}
        {saved && <Notice>{t('report.saved')}</Notice>}
        {!text && (
          <Field label={t('report.language')} hint={t('report.languageHint')}>
            {(p) => <LanguageSelect {...p} name="language" value={language} onChange={setLanguage} />}
          </Field>
        )}
        <ContentFields value={content} onChange={setContent} errors={s.fieldErrors} language={language} editableQuestions />
        <div className="form__actions">
          <button type="submit" className="button" disabled={s.busy} data-testid="report-save">
            {t('report.save')}
          </button>
        </div>
      </form>
    </div>
  );
}

/** The translation beside the original, section by section: the original read only on the left. */
function TranslationEditor({ c, original, language, text, ...notice }: { c: CaseDetail; original: Text; language: Locale; text: Text | null } & SavedNotice) {
  const { t } = useTranslation();
  const [content, setContent] = useState<ReportContent>(text?.content ?? blankLike(original.content));
  const { s, saved, theirs, reload, save } = useSave(c, language, text, setContent, notice);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(() => call(CONTRACTS.saveReportTranslation, { params: { id: c.id, language }, body: { version: text?.version ?? 0, content } }));
  };
  return (
    <form className="form report__translation" onSubmit={submit} noValidate data-testid={`report-translation-form-${language}`}>
      {theirs && <ConflictBox mine={content} theirs={theirs} onReload={reload} />}
      {!theirs && <ErrorAlert>{s.error}</ErrorAlert>}
      {saved && <Notice>{t('report.saved')}</Notice>}
      <div className="report__pair report__pair--head" aria-hidden="true">
        <strong>{t('report.originalSide', { language: t(`languages.${original.language}`) })}</strong>
        <strong>{t('report.translationSide', { language: t(`languages.${language}`) })}</strong>
      </div>
      <ContentFields value={content} onChange={setContent} errors={s.fieldErrors} language={language} source={original} />
      <div className="form__actions">
        <button type="submit" className="button" disabled={s.busy} data-testid="report-save">
          {t('report.save')}
        </button>
      </div>
    </form>
  );
}

/**
 * The sections as fields. With a source (a translation) each field sits beside the source's text;
 * the original's questions can be added and removed, a translation has one row per question.
 */
function ContentFields({
  value,
  onChange,
  errors,
  language,
  source,
  editableQuestions,
}: {
  value: ReportContent;
  onChange: (c: ReportContent) => void;
  errors: Record<string, string>;
  language: Locale;
  source?: Text;
  editableQuestions?: boolean;
}) {
  const { t } = useTranslation();
  const set = (patch: Partial<ReportContent>) => onChange({ ...value, ...patch });
  const setQ = (i: number, patch: Partial<ReportContent['questions'][number]>) => set({ questions: value.questions.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
  const beside = (text: string | undefined, field: ReactNode) =>
    source ? (
      <div className="report__pair">
        <p className="report__source prewrap" lang={source.language}>
          {text || t('common.none')}
        </p>
        {field}
      </div>
    ) : (
      field
    );
  const area = (k: Section, rows: number) =>
    beside(
      source?.content[k],
      <Field label={t(`report.section.${k}`)} error={errors[`content.${k}`]} hint={k === 'diagnosisOpinion' ? t('report.opinionHint') : null}>
        {(p) => <textarea {...p} className="input textarea" name={k} lang={language} rows={rows} value={value[k]} onChange={(e) => set({ [k]: e.target.value })} />}
      </Field>,
    );
  return (
    <>
      {BEFORE.map((k) => (
        <div key={k}>{area(k, 5)}</div>
      ))}
      <fieldset className="fieldset" data-testid="report-questions">
        <legend>{t('report.section.questions')}</legend>
        {value.questions.map((qa, i) => (
          <div key={i} className="report__qa">
            {beside(
              source?.content.questions[i]?.question,
              <Field label={t('report.question', { n: i + 1 })} error={errors[`content.questions.${i}.question`]}>
                {(p) => <textarea {...p} className="input textarea" name={`questions.${i}.question`} lang={language} rows={2} value={qa.question} onChange={(e) => setQ(i, { question: e.target.value })} />}
              </Field>,
            )}
            {beside(
              source?.content.questions[i]?.answer,
              <Field label={t('report.answer', { n: i + 1 })} error={errors[`content.questions.${i}.answer`]}>
                {(p) => <textarea {...p} className="input textarea" name={`questions.${i}.answer`} lang={language} rows={3} value={qa.answer} onChange={(e) => setQ(i, { answer: e.target.value })} />}
              </Field>,
            )}
            {editableQuestions && (
              <button type="button" className="button button--secondary button--small" onClick={() => set({ questions: value.questions.filter((_, j) => j !== i) })}>
                {t('report.removeQuestion', { n: i + 1 })}
              </button>
            )}
          </div>
        ))}
        {editableQuestions && (
          <button type="button" className="button button--secondary" onClick={() => set({ questions: [...value.questions, { question: '', answer: '' }] })} data-testid="report-add-question">
            {t('report.addQuestion')}
          </button>
        )}
      </fieldset>
      {AFTER.map((k) => (
        <div key={k}>{area(k, 4)}</div>
      ))}
    </>
  );
}

function SignDialog({ c, r, x, onClose }: { c: CaseDetail; r: Report; x: Text; onClose: () => void }) {
  const { t } = useTranslation();
  const s = useSubmit();
  const sign = () =>
    s.run(async () => {
      queryClient.setQueryData(reportKey(c.id), await call(CONTRACTS.signReport, { params: { id: c.id, language: x.language }, body: { version: x.version } }));
      // Signing may deliver the report: the case's status and history change.
      await queryClient.invalidateQueries({ queryKey: ['case', c.id] });
      onClose();
    });
  return (
    <Dialog title={t('report.signTitle', { language: t(`languages.${x.language}`), version: r.currentVersion })} onClose={onClose}>
      <div className="form">
        <p>{t('report.signExplain')}</p>
        <ErrorAlert>{s.error}</ErrorAlert>
        <div className="form__actions">
          <button type="button" className="button" onClick={() => void sign()} disabled={s.busy} data-testid="report-sign-confirm">
            {t('report.signConfirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('report.cancel')}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function AmendDialog({ c, r, onClose }: { c: CaseDetail; r: Report; onClose: () => void }) {
  const { t } = useTranslation();
  const s = useSubmit();
  const [reason, setReason] = useState('');
  const next = r.currentVersion + 1;
  const amend = (e: FormEvent) => {
    e.preventDefault();
    void s.run(async () => {
      queryClient.setQueryData(reportKey(c.id), await call(CONTRACTS.amendReport, { params: { id: c.id }, body: { reason } }));
      onClose();
    });
  };
  return (
    <Dialog title={t('report.amendTitle')} onClose={onClose}>
      <form className="form" onSubmit={amend} noValidate>
        <p>{t('report.amendIntro', { version: next })}</p>
        {!s.fieldErrors.reason && <ErrorAlert>{s.error}</ErrorAlert>}
        <Field label={t('report.amendReason')} hint={t('report.amendReasonHint')} error={s.fieldErrors.reason}>
          {(p) => <textarea {...p} className="input textarea" name="reason" rows={3} maxLength={2000} required value={reason} onChange={(e) => setReason(e.target.value)} />}
        </Field>
        <div className="form__actions">
          <button type="submit" className="button" disabled={s.busy} data-testid="report-amend-confirm">
            {t('report.amendConfirm', { version: next })}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('report.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
