/**
 * Report PDFs: a four-page second-opinion report in each language (the fictional samples of
 * apps/server/src/reports/samples.ts, repeated until they fill four pages), rendered and signed with the
 * demo key as a service will. Three warm-up runs, then the median of ten; the process's peak resident
 * memory (maxRSS) above what it held before the first render (fonts, fontkit's tables and the PDFs
 * included); the signed PDF's size. Targets: under 500 ms warm, under 150 MB of growth, under 1 MB.
 * One JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCALES } from '@kakehashi/core';
import { renderReportPdf } from '../apps/server/src/reports/pdf.ts';
import { sampleContent, sampleLetterhead, sampleMeta } from '../apps/server/src/reports/samples.ts';
import { demoSigningIdentity } from '../apps/server/src/reports/sign.ts';

const TARGET = { ms: 500, growthMb: 150, bytes: 1024 * 1024 };
const WARM_UP = 3;
const ROUNDS = 10;

const dataDir = mkdtempSync(path.join(tmpdir(), 'kh-bench-report-'));
const identity = await demoSigningIdentity(dataDir, 'Kakehashi Bench Hospital');
const baseRssMb = process.memoryUsage().rss / 2 ** 20;
const pagesOf = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type \/Page\n/g) ?? []).length;

const languages: Record<string, unknown> = {};
let pass = true;
for (const locale of LOCALES) {
  const meta = sampleMeta(locale);
  const letterhead = sampleLetterhead(locale);
  const render = (repeat: number) => renderReportPdf({ content: sampleContent(locale, repeat), meta, letterhead }, { signWith: identity });
  // The fewest repeats of the sample that make four pages.
  let repeat = 1;
  while (pagesOf(await render(repeat)) < 4) repeat++;
  for (let i = 0; i < WARM_UP; i++) await render(repeat);
  const times: number[] = [];
  let pdf = Buffer.alloc(0);
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    pdf = await render(repeat);
    times.push(performance.now() - started);
  }
  const ms = Math.round(times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]);
  const ok = { ms: ms < TARGET.ms, bytes: pdf.length < TARGET.bytes };
  pass &&= ok.ms && ok.bytes;
  languages[locale] = { pages: pagesOf(pdf), warmMedianMs: ms, bytes: pdf.length, pass: ok };
}
// maxRSS is in kibibytes: the highest the process reached, whenever that was.
const growthMb = Math.round(process.resourceUsage().maxRSS / 1024 - baseRssMb);
const memoryPass = growthMb < TARGET.growthMb;
rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ bench: 'report', signed: true, rounds: ROUNDS, languages, peakRssGrowthMb: growthMb, pass: { memory: memoryPass, all: pass && memoryPass }, targets: TARGET }));
