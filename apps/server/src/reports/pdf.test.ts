import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCALES, type Locale } from '@kakehashi/core';
import { translator } from '../i18n.ts';
import { renderReplyLetterPdf, renderReportPdf } from './pdf.ts';
import { sampleContent, sampleLetter, sampleLetterhead, sampleMeta, sampleTranslatorRole } from './samples.ts';

/*
 * The PDFs are read back with poppler (pdftotext, pdffonts, pdfinfo): what a reader's PDF viewer
 * finds in them, not what pdfkit was asked to draw.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'kh-report-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function save(pdf: Buffer): string {
  const file = path.join(dir, `${++n}.pdf`);
  writeFileSync(file, pdf);
  return file;
}
const run = (tool: string, ...args: string[]) => execFileSync(tool, args, { encoding: 'utf8' });
/** The text of the PDF (or of one page) without white space: CJK lines are broken anywhere. */
const textOf = (file: string, page?: number) => run('pdftotext', ...(page ? ['-f', String(page), '-l', String(page)] : []), '-enc', 'UTF-8', file, '-').replace(/\s+/g, '');
const squeeze = (s: string) => s.replace(/\s+/g, '');
const pagesOf = (file: string) => Number(run('pdfinfo', file).match(/^Pages:\s+(\d+)/m)![1]);
/** pdffonts' rows: name, type, encoding, embedded, subset. */
function fontsOf(file: string) {
  return run('pdffonts', file)
    .split('\n')
    .slice(2)
    .filter(Boolean)
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      return { name: cols[0], embedded: cols.at(-5), subset: cols.at(-4) };
    });
}

const SECTION_KEYS = ['caseSummary', 'questions', 'diagnosisOpinion', 'treatmentOpinion', 'recommendations', 'discussWithPrimaryDoctor'] as const;

describe('the report PDF', () => {
  for (const locale of LOCALES) {
    it(`in ${locale}: has the title, every section's heading and text, the metadata and the verification code on each page`, async () => {
      const t = translator(locale);
      const content = sampleContent(locale);
      const meta = sampleMeta(locale);
      const file = save(await renderReportPdf({ content, meta, letterhead: sampleLetterhead(locale) }));
      const text = textOf(file);
      expect(text).toContain(squeeze(t('reportPdf.title')));
      for (const key of SECTION_KEYS) expect(text, key).toContain(squeeze(t(`reportPdf.sections.${key}`)));
      // The body text itself, in its script (a CJK font without its glyphs would lose them here).
      expect(text).toContain(squeeze(content.diagnosisOpinion));
      expect(text).toContain(squeeze(content.questions[1].question));
      expect(text).toContain(squeeze(content.discussWithPrimaryDoctor));
      expect(text).toContain(squeeze(sampleLetterhead(locale).name));
      expect(text).toContain('Patient王Test');
      expect(text).toContain(meta.caseNumber);
      const pages = pagesOf(file);
      for (let page = 1; page <= pages; page++) {
        const pageText = textOf(file, page);
        expect(pageText).toContain(meta.verificationCode);
        expect(pageText).toContain(`${page}/${pages}`);
      }
    });
  }

  it('runs to several pages, numbered n / N, and keeps every word inside the margins', async () => {
    // Text without a place to break: a long address, a long run of ideographs without punctuation.
    const unbreakable = `https://records.example.org/${'a1b2c3d4'.repeat(20)}\n\n${'乳癌治療方針検討'.repeat(30)}`;
    for (const locale of LOCALES) {
      const content = sampleContent(locale, 4);
      content.caseSummary = `${unbreakable}\n\n${content.caseSummary}`;
      const file = save(await renderReportPdf({ content, meta: sampleMeta(locale), letterhead: sampleLetterhead(locale) }));
      const pages = pagesOf(file);
      expect(pages, locale).toBeGreaterThanOrEqual(4);
      expect(textOf(file, pages)).toContain(`${pages}/${pages}`);
      // pdftotext -bbox: each word's box. A4 is 595.28 pt wide; the margins are 62 pt each side.
      const boxes = [...run('pdftotext', '-bbox', file, '-').matchAll(/<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(boxes.length, locale).toBeGreaterThan(100);
      for (const [xMin, xMax] of boxes) {
        expect(xMin, locale).toBeGreaterThanOrEqual(61);
        expect(xMax, locale).toBeLessThanOrEqual(595.28 - 61);
      }
    }
  });

  it('embeds only subsets of its fonts: Noto Sans JP for Japanese and English, Noto Sans SC for Chinese', async () => {
    const families: Record<Locale, string> = { ja: 'NotoSansJP', 'zh-CN': 'NotoSansSC', en: 'NotoSansJP' };
    for (const locale of LOCALES) {
      const fonts = fontsOf(save(await renderReportPdf({ content: sampleContent(locale), meta: sampleMeta(locale), letterhead: sampleLetterhead(locale) })));
      expect(fonts.length, locale).toBeGreaterThan(0);
      for (const font of fonts) {
        expect(font, locale).toMatchObject({ embedded: 'yes', subset: 'yes' });
        expect(font.name, locale).toMatch(new RegExp(`^[A-Z]{6}\\+${families[locale]}-(Regular|Bold)$`));
      }
    }
  });

  it('draws a Chinese name in a Japanese report with the Chinese font where the Japanese one lacks the character', async () => {
    // 张 and 陈 are Simplified Chinese forms that Noto Sans JP does not have.
    const file = save(await renderReportPdf({ content: sampleContent('ja'), meta: sampleMeta('ja', { patientName: '张 陈 Test' }), letterhead: sampleLetterhead('ja') }));
    expect(textOf(file)).toContain('张陈Test');
    expect(fontsOf(file).map((f) => f.name.split('+')[1])).toContain('NotoSansSC-Regular');
  });

  it('says why a later version replaces the previous one, and who translated a translation', async () => {
    const t = translator('zh-CN');
    const meta = sampleMeta('zh-CN', {
      version: 2,
      amendmentReason: '补充了病理复核的结果。',
      translation: { by: { name: 'Interpreter 李 Test', role: sampleTranslatorRole('zh-CN') }, from: 'ja' },
    });
    const text = textOf(save(await renderReportPdf({ content: sampleContent('zh-CN'), meta, letterhead: sampleLetterhead('zh-CN') })));
    expect(text).toContain(squeeze(t('reportPdf.amendment', { previous: 1, reason: '补充了病理复核的结果。' })));
    expect(text).toContain('Interpreter李Test');
    expect(text).toContain(squeeze(t('reportPdf.languageNames.ja')));
  });

  it('draws the letterhead logo', async () => {
    // The smallest PNG: one white pixel.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC', 'base64');
    const file = save(await renderReportPdf({ content: sampleContent('en'), meta: sampleMeta('en'), letterhead: { ...sampleLetterhead('en'), logo: png } }));
    expect(run('pdfimages', '-list', file)).toMatch(/\n\s*1\s+0\s+image\s+1\s+1\s/);
  });

  it('refuses text that cannot be stored, impossible dates and a later version without its reason, naming the field', async () => {
    const render = (meta: object, content: object = {}) =>
      renderReportPdf({ content: { ...sampleContent('ja'), ...content }, meta: { ...sampleMeta('ja'), ...meta } as never, letterhead: sampleLetterhead('ja') });
    await expect(render({ patientName: 'Patient\u0000Test' })).rejects.toThrow(/validation.unstorableText/);
    await expect(render({}, { caseSummary: 'half an emoji \ud83d here' })).rejects.toThrow(/validation.unstorableText/);
    await expect(render({}, { questions: [{ question: '\udc00', answer: '' }] })).rejects.toThrow(/validation.unstorableText/);
    await expect(render({ signedAt: '9999-12-31T00:00:00Z' })).rejects.toThrow(/validation.dateRange/);
    await expect(render({ signedAt: '0000-01-01T00:00:00Z' })).rejects.toThrow(/validation.dateRange/);
    await expect(render({ version: 2 })).rejects.toThrow(/validation.amendmentReasonRequired/);
    await expect(render({ verificationCode: '7KQ2-M9XD-4HCW-TR3U' })).rejects.toThrow(/validation.verificationCode/);
    await expect(render({ timeZone: 'Mars/Olympus' })).rejects.toThrow(/validation.timeZone/);
    await expect(render({}, { diagnosisOpinion: '', treatmentOpinion: '' })).rejects.toThrow(/validation.reportOpinionRequired/);
    const letter = sampleLetter('ja');
    await expect(
      renderReplyLetterPdf({ letter: { ...letter, recipient: { ...letter.recipient, name: 'Dr\u0000X' } }, content: sampleContent('ja'), meta: sampleMeta('ja'), letterhead: sampleLetterhead('ja') }),
    ).rejects.toThrow(/validation.unstorableText/);
    await expect(renderReplyLetterPdf({ letter: { ...letter, date: '0000-01-01' }, content: sampleContent('ja'), meta: sampleMeta('ja'), letterhead: sampleLetterhead('ja') })).rejects.toThrow(/validation.dateRange/);
  });
});

describe('the reply letter (返書)', () => {
  for (const locale of LOCALES) {
    it(`in ${locale}: greets the referring doctor, sums up the opinion and names the enclosed report by version and code`, async () => {
      const t = translator(locale);
      const letter = sampleLetter(locale);
      const content = sampleContent(locale);
      const meta = sampleMeta(locale);
      const file = save(await renderReplyLetterPdf({ letter, content, meta, letterhead: sampleLetterhead(locale) }));
      const text = textOf(file);
      expect(text).toContain(squeeze(t('reportPdf.letter.salutation', { name: letter.recipient.name })));
      expect(text).toContain(squeeze(letter.recipient.institution));
      expect(text).toContain(squeeze(t('reportPdf.letter.title')));
      expect(text).toContain(squeeze(content.treatmentOpinion));
      expect(text).toContain(squeeze(content.recommendations));
      // The case as understood and the patient's questions stay in the report.
      expect(text).not.toContain(squeeze(content.questions[0].question));
      expect(text).toContain(meta.verificationCode);
      expect(text).toContain(squeeze(meta.physician.name));
    });
  }
});
