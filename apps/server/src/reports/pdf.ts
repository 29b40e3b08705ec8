import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { replyLetter, reportContent, reportMeta, type Locale, type ReplyLetter, type ReportContent, type ReportMeta } from '@kakehashi/core';
import { translator } from '../i18n.ts';
import { addSignaturePlaceholder, signPdf, type SigningIdentity } from './sign.ts';

/*
 * The second-opinion report and the reply letter (返書) as PDF: A4, the hospital's letterhead, the
 * document's words from the catalogs, Noto Sans fonts shipped in npm packages (embedded as subsets by
 * pdfkit), then optionally signed (sign.ts). Pure: a service gives it the content, the metadata and
 * the letterhead, and stores the bytes.
 */

/** The hospital as the document's head shows it, in the document's language. */
export interface Letterhead {
  name: string;
  department: string;
  addressLines: string[];
  /** Telephone, e-mail, web site: one line each. */
  contactLines: string[];
  /** A PNG or JPEG image, drawn at most 44 pt high. */
  logo: Buffer | null;
}

export interface RenderOptions {
  /** Signs the PDF (PAdES, sign.ts) with this key and certificate. */
  signWith?: SigningIdentity;
}

const require = createRequire(import.meta.url);
/**
 * Japanese glyph forms for Japanese (and English), Simplified Chinese forms for Chinese: the same Han
 * character is drawn differently in each. Each font also stands in for the other where it lacks a
 * character (a Chinese patient's name in a Japanese document).
 */
const FONT_FILES = {
  jp: { regular: '@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf', bold: '@expo-google-fonts/noto-sans-jp/700Bold/NotoSansJP_700Bold.ttf' },
  sc: { regular: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf', bold: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf' },
} as const;
type Family = keyof typeof FONT_FILES;
type Weight = 'regular' | 'bold';
const fontBytes = new Map<string, Buffer>();
/** The font file's bytes, read once per process (10 MB for a Chinese weight). */
function fontFile(family: Family, weight: Weight): Buffer {
  const key = `${family}-${weight}`;
  let bytes = fontBytes.get(key);
  if (!bytes) {
    bytes = readFileSync(require.resolve(FONT_FILES[family][weight]));
    fontBytes.set(key, bytes);
  }
  return bytes;
}

const PRIMARY: Record<Locale, Family> = { ja: 'jp', 'zh-CN': 'sc', en: 'jp' };

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = { top: 56, bottom: 72, left: 62, right: 62 };
const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;
const COLOR = { text: '#1a1a1a', muted: '#555555', rule: '#9aa5b1', accent: '#1f4e79', notice: '#f3f6f9' };
const SIZE = { body: 10.5, small: 8.5, heading: 12.5, title: 18 };
const LINE_GAP = 3.5;

/** A pdfkit document with the document's fonts, and text written run by run in the font that has its characters. */
class Writer {
  readonly doc: PDFKit.PDFDocument;
  readonly t: ReturnType<typeof translator>;
  private readonly families: Family[];
  /** Per family, whether it draws a code point (fontkit's cmap lookup, cached). */
  private readonly covers = new Map<Family, (cp: number) => boolean>();

  constructor(
    readonly locale: Locale,
    info: { title: string; author: string; subject: string; created: Date },
  ) {
    this.t = translator(locale);
    this.doc = new PDFDocument({
      size: 'A4',
      margins: MARGIN,
      bufferPages: true,
      autoFirstPage: true,
      lang: locale,
      pdfVersion: '1.7',
      info: { Title: info.title, Author: info.author, Subject: info.subject, Creator: 'Kakehashi', Producer: 'Kakehashi', CreationDate: info.created, ModDate: info.created },
      displayTitle: true,
    });
    const primary = PRIMARY[locale];
    this.families = [primary, primary === 'jp' ? 'sc' : 'jp'];
    for (const family of this.families) {
      for (const weight of ['regular', 'bold'] as const) this.doc.registerFont(`${family}-${weight}`, fontFile(family, weight));
    }
    this.doc.font(`${primary}-regular`).fillColor(COLOR.text);
  }

  /** Whether the family draws the code point: the other family's font is opened only when the first lacks one. */
  private covered(family: Family, cp: number): boolean {
    let covers = this.covers.get(family);
    if (!covers) {
      const current = (this.doc as unknown as { _font: unknown })._font;
      this.doc.font(`${family}-regular`);
      // pdfkit's font object holds fontkit's; hasGlyphForCodePoint is a cmap lookup.
      const fontkit = (this.doc as unknown as { _font: { font: { hasGlyphForCodePoint(cp: number): boolean } } })._font.font;
      (this.doc as unknown as { _font: unknown })._font = current;
      covers = (c) => fontkit.hasGlyphForCodePoint(c);
      this.covers.set(family, covers);
    }
    return covers(cp);
  }

  /** The text cut into runs, each in the first family that draws all its characters. */
  private runs(text: string): { family: Family; text: string }[] {
    const runs: { family: Family; text: string }[] = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      // Line breaks and spaces belong to the run they are in.
      const family = cp <= 0x20 ? (runs.at(-1)?.family ?? this.families[0]) : (this.families.find((f) => this.covered(f, cp)) ?? this.families[0]);
      const last = runs.at(-1);
      if (last && last.family === family) last.text += ch;
      else runs.push({ family, text: ch });
    }
    return runs;
  }

  /** Writes text at the cursor (or at x, y), wrapping within the width, in one weight and size. */
  text(text: string, opts: { weight?: Weight; size?: number; color?: string; x?: number; y?: number; width?: number; align?: 'left' | 'right' | 'center'; gap?: number } = {}) {
    const { doc } = this;
    doc.fontSize(opts.size ?? SIZE.body).fillColor(opts.color ?? COLOR.text);
    const runs = this.runs(text);
    if (runs.length === 0) return;
    const base: PDFKit.Mixins.TextOptions = { width: opts.width ?? CONTENT_WIDTH, align: opts.align ?? 'left', lineGap: opts.gap ?? LINE_GAP };
    runs.forEach((run, i) => {
      doc.font(`${run.family}-${opts.weight ?? 'regular'}`);
      const continued = i < runs.length - 1;
      if (i === 0 && opts.x !== undefined) doc.text(run.text, opts.x, opts.y, { ...base, continued });
      else doc.text(run.text, { ...base, continued });
    });
  }

  /** The height the text would take at the content width. */
  heightOf(text: string, size: number, weight: Weight = 'regular'): number {
    this.doc.font(`${this.families[0]}-${weight}`).fontSize(size);
    return this.doc.heightOfString(text, { width: CONTENT_WIDTH, lineGap: LINE_GAP });
  }

  /** Starts a new page unless `height` still fits above the bottom margin. */
  keep(height: number) {
    if (this.doc.y + height > A4.height - MARGIN.bottom) this.doc.addPage();
  }

  rule(color = COLOR.rule, width = 0.6) {
    const y = this.doc.y;
    this.doc.save().moveTo(MARGIN.left, y).lineTo(A4.width - MARGIN.right, y).lineWidth(width).strokeColor(color).stroke().restore();
  }

  gap(points: number) {
    this.doc.y += points;
  }

  /** Plain text as paragraphs: a blank line separates them, a single line break stays one. */
  paragraphs(text: string) {
    for (const paragraph of text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)) {
      this.text(paragraph);
      this.gap(6);
    }
  }

  heading(text: string) {
    // A heading is never the last line of a page: keep it with what follows (a question takes four lines).
    this.keep(SIZE.heading * 1.6 + (SIZE.body + LINE_GAP) * 6);
    this.gap(8);
    this.text(text, { weight: 'bold', size: SIZE.heading, color: COLOR.accent });
    this.gap(2);
    this.rule(COLOR.accent, 0.8);
    this.gap(6);
  }

  letterhead(head: Letterhead) {
    const { doc } = this;
    const top = MARGIN.top - 16;
    let textX = MARGIN.left;
    if (head.logo) {
      // openImage is pdfkit's, missing from its type declarations: the image's size before it is drawn.
      const image = (doc as unknown as { openImage(src: Buffer): { width: number; height: number } }).openImage(head.logo);
      const height = 44;
      const width = Math.min((image.width / image.height) * height, 140);
      doc.image(image as unknown as Buffer, MARGIN.left, top, { fit: [width, height] });
      textX = MARGIN.left + width + 12;
    }
    const width = A4.width - MARGIN.right - textX;
    this.text(head.name, { weight: 'bold', size: 13, x: textX, y: top, width, gap: 1 });
    if (head.department) this.text(head.department, { size: SIZE.small, color: COLOR.muted, width, gap: 1 });
    for (const line of [...head.addressLines, ...head.contactLines]) this.text(line, { size: SIZE.small, color: COLOR.muted, width, gap: 0.5 });
    doc.x = MARGIN.left;
    doc.y = Math.max(doc.y, top + (head.logo ? 44 : 0)) + 8;
    this.rule(COLOR.accent, 1.2);
    this.gap(14);
  }

  /** Label and value pairs in two columns. */
  fields(rows: [string, string][]) {
    const labelWidth = 96;
    for (const [label, value] of rows) {
      const y = this.doc.y;
      this.text(label, { size: SIZE.small + 0.5, color: COLOR.muted, x: MARGIN.left, y: y + 1, width: labelWidth });
      const afterLabel = this.doc.y;
      this.text(value, { x: MARGIN.left + labelWidth, y, width: CONTENT_WIDTH - labelWidth, gap: 1.5 });
      this.doc.y = Math.max(this.doc.y, afterLabel) + 3;
    }
    this.doc.x = MARGIN.left;
  }

  /** A shaded box around short text (an amendment, a translation). */
  notice(text: string) {
    const { doc } = this;
    const pad = 7;
    doc.font(`${this.families[0]}-regular`).fontSize(SIZE.small + 0.5);
    const height = doc.heightOfString(text, { width: CONTENT_WIDTH - 2 * pad, lineGap: 2 }) + 2 * pad;
    this.keep(height);
    const y = doc.y;
    doc.save().rect(MARGIN.left, y, CONTENT_WIDTH, height).fill(COLOR.notice).restore();
    doc.save().rect(MARGIN.left, y, 2.5, height).fill(COLOR.accent).restore();
    this.text(text, { size: SIZE.small + 0.5, x: MARGIN.left + pad, y: y + pad, width: CONTENT_WIDTH - 2 * pad, gap: 2 });
    doc.x = MARGIN.left;
    doc.y = y + height + 8;
  }

  /** On every page: the verification code and address on the left, "n / N" on the right. */
  footers(meta: ReportMeta) {
    const { doc, t } = this;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      // Below the bottom margin: without lifting it pdfkit would start a new page for the footer.
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      const y = A4.height - MARGIN.bottom + 26;
      doc.save().moveTo(MARGIN.left, y - 6).lineTo(A4.width - MARGIN.right, y - 6).lineWidth(0.4).strokeColor(COLOR.rule).stroke().restore();
      const pageWidth = 50;
      this.text(t('reportPdf.footer', { code: meta.verificationCode, url: meta.verificationUrl }), { size: SIZE.small - 0.5, color: COLOR.muted, x: MARGIN.left, y, width: CONTENT_WIDTH - pageWidth, gap: 0 });
      this.text(t('reportPdf.page', { n: i - range.start + 1, total: range.count }), { size: SIZE.small - 0.5, color: COLOR.muted, x: A4.width - MARGIN.right - pageWidth, y, width: pageWidth, align: 'right', gap: 0 });
      doc.page.margins.bottom = bottom;
    }
  }

  async finish(options: RenderOptions, signature: { name: string; reason: string; location: string; signingTime: Date }): Promise<Buffer> {
    const { doc } = this;
    if (options.signWith) addSignaturePlaceholder(doc, { ...signature, contactInfo: '' });
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      doc.on('data', (chunk: Buffer) => chunks.push(chunk));
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.on('error', reject);
    });
    doc.end();
    const pdf = await done;
    return options.signWith ? signPdf(pdf, options.signWith) : pdf;
  }
}

/** A moment in the zone, with the zone's name: 2026年12月6日 14:05 (Asia/Tokyo). */
function formatSigned(iso: string, locale: Locale, timeZone: string): string {
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(iso));
  return `${text} (${timeZone})`;
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
  const signed = formatSigned(meta.signedAt, meta.language, meta.timeZone);
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
  w.footers(meta);
  return w.finish(options, { name: meta.physician.name, reason: `${t('reportPdf.title')} ${meta.caseNumber} v${meta.version}`, location: input.letterhead.name, signingTime: new Date(meta.signedAt) });
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
  w.paragraphs(t('reportPdf.letter.attached', { version: meta.version, date: formatSigned(meta.signedAt, locale, meta.timeZone), code: meta.verificationCode, url: meta.verificationUrl }));
  // The closing words go with the signature: never a page holding only "Yours sincerely".
  const closing = t('reportPdf.letter.closing');
  w.keep(w.heightOf(closing, SIZE.body) + 80);
  w.paragraphs(closing);
  w.gap(6);
  w.text(t('reportPdf.letter.signOff'), { align: 'right' });
  w.gap(4);
  w.text(person(t, meta.physician), { weight: 'bold', align: 'right' });
  w.text(input.letterhead.name, { align: 'right', size: SIZE.small + 0.5, color: COLOR.muted });
  w.footers(meta);
  return w.finish(options, { name: meta.physician.name, reason: `${t('reportPdf.letter.title')} ${meta.caseNumber}`, location: input.letterhead.name, signingTime: input.signedAt ?? new Date(meta.signedAt) });
}
