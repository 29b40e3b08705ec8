import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { Locale } from '@kakehashi/core';
import { translator } from '../i18n.ts';

/*
 * The hospital's printed documents (the report and reply letter, the statistics summary): A4, the
 * hospital's letterhead, Noto Sans fonts shipped in npm packages (embedded as subsets by pdfkit),
 * each run of text in the font that has its characters.
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

export const A4 = { width: 595.28, height: 841.89 };
export const MARGIN = { top: 56, bottom: 72, left: 62, right: 62 };
export const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;
export const COLOR = { text: '#1a1a1a', muted: '#555555', rule: '#9aa5b1', accent: '#1f4e79', notice: '#f3f6f9' };
export const SIZE = { body: 10.5, small: 8.5, heading: 12.5, title: 18 };
export const LINE_GAP = 3.5;

/** A pdfkit document with the document's fonts, and text written run by run in the font that has its characters. */
export class Writer {
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

  /** The height the text would take at the width (the content's by default). */
  heightOf(text: string, size: number, weight: Weight = 'regular', width = CONTENT_WIDTH, gap = LINE_GAP): number {
    this.doc.font(`${this.families[0]}-${weight}`).fontSize(size);
    return this.doc.heightOfString(text, { width, lineGap: gap });
  }

  /** The text cut short with "…" to fit on one line of the width. */
  fit(text: string, width: number, size: number, weight: Weight = 'regular'): string {
    this.doc.font(`${this.families[0]}-${weight}`).fontSize(size);
    if (this.doc.widthOfString(text) <= width) return text;
    const chars = [...text];
    while (chars.length > 1 && this.doc.widthOfString(`${chars.join('')}…`) > width) chars.pop();
    return `${chars.join('').trimEnd()}…`;
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

  /** On every page, below the bottom margin: `left` on the left, `right(n, N)` on the right. */
  footers(left: string, right?: (n: number, total: number) => string) {
    const { doc } = this;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      // Below the bottom margin: without lifting it pdfkit would start a new page for the footer.
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      const y = A4.height - MARGIN.bottom + 26;
      doc.save().moveTo(MARGIN.left, y - 6).lineTo(A4.width - MARGIN.right, y - 6).lineWidth(0.4).strokeColor(COLOR.rule).stroke().restore();
      const pageWidth = right ? 50 : 0;
      this.text(left, { size: SIZE.small - 0.5, color: COLOR.muted, x: MARGIN.left, y, width: CONTENT_WIDTH - pageWidth, gap: 0 });
      if (right) this.text(right(i - range.start + 1, range.count), { size: SIZE.small - 0.5, color: COLOR.muted, x: A4.width - MARGIN.right - pageWidth, y, width: pageWidth, align: 'right', gap: 0 });
      doc.page.margins.bottom = bottom;
    }
  }

  /** The finished document's bytes. */
  end(): Promise<Buffer> {
    const { doc } = this;
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      doc.on('data', (chunk: Buffer) => chunks.push(chunk));
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.on('error', reject);
    });
    doc.end();
    return done;
  }
}

/** A moment in the zone, with the zone's name: 2026年12月6日 14:05 (Asia/Tokyo). */
export function formatMoment(iso: string, locale: Locale, timeZone: string): string {
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(iso));
  return `${text} (${timeZone})`;
}

