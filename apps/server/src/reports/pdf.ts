import { replyLetter, reportContent, reportMeta, type ReplyLetter, type ReportContent, type ReportMeta } from '@kakehashi/core';
import { translator } from '../i18n.ts';
import { COLOR, formatMoment, LINE_GAP, SIZE, Writer, type Letterhead } from '../pdf/writer.ts';
import { addSignaturePlaceholder, signPdf, type SigningIdentity } from './sign.ts';

/*
 * The second-opinion report and the reply letter (返書) as PDF (pdf/writer.ts: A4, the hospital's
 * letterhead, Noto Sans fonts), the document's words from the catalogs, then optionally signed
 * (sign.ts). Pure: a service gives it the content, the metadata and the letterhead, and stores the bytes.
 */

export interface RenderOptions {
  /** Signs the PDF (PAdES, sign.ts) with this key and certificate. */
  signWith?: SigningIdentity;
}

/** The report's footer on every page, then the bytes, signed when asked. */
async function finish(w: Writer, meta: ReportMeta, options: RenderOptions, signature: { name: string; reason: string; location: string; signingTime: Date }): Promise<Buffer> {
  const { t } = w;
  w.footers(t('reportPdf.footer', { code: meta.verificationCode, url: meta.verificationUrl }), (n, total) => t('reportPdf.page', { n, total }));
  if (options.signWith) addSignaturePlaceholder(w.doc, { ...signature, contactInfo: '' });
  const pdf = await w.end();
  return options.signWith ? signPdf(pdf, options.signWith) : pdf;
}

function person(t: ReturnType<typeof translator>, p: { name: string; role: string }): string {
  return p.role ? t('reportPdf.personWithRole', { name: p.name, role: p.role }) : p.name;
}

const SECTIONS = ['caseSummary', 'questions', 'diagnosisOpinion', 'treatmentOpinion', 'recommendations', 'discussWithPrimaryDoctor'] as const;

/** The signed second-opinion report as a PDF, in the metadata's language. Throws when an input does not pass its schema. */
export async function renderReportPdf(input: { content: ReportContent; meta: ReportMeta; letterhead: Letterhead }, options: RenderOptions = {}): Promise<Buffer> {
  const content = reportContent.parse(input.content);
  const meta = reportMeta.parse(input.meta);
  const w = new Writer(meta.language, { title: `${translator(meta.language)('reportPdf.title')} ${meta.caseNumber}`, author: meta.physician.name, subject: input.letterhead.name, created: new Date(meta.signedAt) });
  const { t } = w;
  w.letterhead(input.letterhead);
  w.text(t('reportPdf.title'), { weight: 'bold', size: SIZE.title });
  w.gap(8);
  const signed = formatMoment(meta.signedAt, meta.language, meta.timeZone);
  w.fields([
    [t('reportPdf.caseNumber'), meta.caseNumber],
    [t('reportPdf.patient'), meta.patientName],
    [t('reportPdf.physician'), person(t, meta.physician)],
    [t('reportPdf.version'), String(meta.version)],
    [t('reportPdf.signedAt'), signed],
  ]);
  w.gap(6);
  if (meta.amendmentReason) w.notice(t('reportPdf.amendment', { previous: meta.version - 1, reason: meta.amendmentReason }));
  if (meta.translation) w.notice(t('reportPdf.translation', { language: t(`reportPdf.languageNames.${meta.translation.from}`), translator: person(t, meta.translation.by) }));
  for (const key of SECTIONS) {
    if (key === 'questions') {
      if (content.questions.length === 0) continue;
      w.heading(t('reportPdf.sections.questions'));
      content.questions.forEach((q, i) => {
        w.keep((SIZE.body + LINE_GAP) * 4);
        w.text(t('reportPdf.question', { n: i + 1 }), { weight: 'bold', size: SIZE.small + 0.5, color: COLOR.accent });
        w.text(q.question, { weight: 'bold' });
        w.gap(3);
        if (q.answer) {
          w.text(t('reportPdf.answer'), { weight: 'bold', size: SIZE.small + 0.5, color: COLOR.muted });
          w.paragraphs(q.answer);
        }
        w.gap(4);
      });
      continue;
    }
    if (!content[key]) continue;
    w.heading(t(`reportPdf.sections.${key}`));
    w.paragraphs(content[key]);
  }
  w.gap(10);
  w.keep(80);
  w.rule();
  w.gap(8);
  w.text(t('reportPdf.signature', { physician: person(t, meta.physician), date: signed }), { weight: 'bold', size: SIZE.body });
  w.gap(4);
  w.text(t('reportPdf.verifyNote', { code: meta.verificationCode, url: meta.verificationUrl }), { size: SIZE.small + 0.5, color: COLOR.muted });
  return finish(w, meta, options, { name: meta.physician.name, reason: `${t('reportPdf.title')} ${meta.caseNumber} v${meta.version}`, location: input.letterhead.name, signingTime: new Date(meta.signedAt) });
}

/**
 * The reply letter (返書) to the referring or primary doctor, in the metadata's language: the opinion
 * in brief (the opinions, recommendations and what to discuss), the full report named by its version
 * and verification code as enclosed.
 */
export async function renderReplyLetterPdf(
  /** `meta` is the enclosed report's; `signedAt`, when the letter itself is signed (else the report's time). */
  input: { letter: ReplyLetter; content: ReportContent; meta: ReportMeta; letterhead: Letterhead; signedAt?: Date },
  options: RenderOptions = {},
): Promise<Buffer> {
  const letter = replyLetter.parse(input.letter);
  const content = reportContent.parse(input.content);
  const meta = reportMeta.parse(input.meta);
  const locale = meta.language;
  const w = new Writer(locale, { title: `${translator(locale)('reportPdf.letter.title')} ${meta.caseNumber}`, author: meta.physician.name, subject: input.letterhead.name, created: new Date(meta.signedAt) });
  const { t } = w;
  w.letterhead(input.letterhead);
  // The date on the right, the recipient on the left, as a letter is laid out in all three languages.
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${letter.date}T00:00:00Z`));
  w.text(date, { align: 'right' });
  w.gap(6);
  for (const line of [letter.recipient.institution, letter.recipient.department].filter(Boolean)) w.text(line);
  w.text(t('reportPdf.letter.salutation', { name: letter.recipient.name }), { weight: 'bold' });
  w.gap(12);
  w.text(t('reportPdf.letter.title'), { weight: 'bold', size: 14, align: 'center' });
  w.gap(10);
  w.paragraphs(t('reportPdf.letter.opening', { patient: meta.patientName, caseNumber: meta.caseNumber }));
  if (letter.note) w.paragraphs(letter.note);
  w.heading(t('reportPdf.letter.summary'));
  for (const key of ['diagnosisOpinion', 'treatmentOpinion', 'recommendations', 'discussWithPrimaryDoctor'] as const) {
    if (!content[key]) continue;
    w.keep((SIZE.body + LINE_GAP) * 3);
    w.text(t(`reportPdf.sections.${key}`), { weight: 'bold', size: SIZE.body, color: COLOR.accent });
    w.gap(2);
    w.paragraphs(content[key]);
  }
  w.gap(4);
  w.paragraphs(t('reportPdf.letter.attached', { version: meta.version, date: formatMoment(meta.signedAt, locale, meta.timeZone), code: meta.verificationCode, url: meta.verificationUrl }));
  // The closing words go with the signature: never a page holding only "Yours sincerely".
  const closing = t('reportPdf.letter.closing');
  w.keep(w.heightOf(closing, SIZE.body) + 80);
  w.paragraphs(closing);
  w.gap(6);
  w.text(t('reportPdf.letter.signOff'), { align: 'right' });
  w.gap(4);
  w.text(person(t, meta.physician), { weight: 'bold', align: 'right' });
  w.text(input.letterhead.name, { align: 'right', size: SIZE.small + 0.5, color: COLOR.muted });
  return finish(w, meta, options, { name: meta.physician.name, reason: `${t('reportPdf.letter.title')} ${meta.caseNumber}`, location: input.letterhead.name, signingTime: input.signedAt ?? new Date(meta.signedAt) });
}
