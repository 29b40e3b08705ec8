import { z } from 'zod';
import { LOCALES } from '../i18n/locales.ts';
import { calendarDate, storableText } from './common.ts';

/**
 * Programme indicators (成果指標, docs/glossary.md §3.6): what the cross-border programme planned
 * for a fiscal year and what it achieved, at three levels. `counted` indicators are counted from
 * the data; `manual` ones are entered by an administrator (and marked so) until the data exist
 * (seminars and case conferences are not recorded by Kakehashi yet).
 */
export const INDICATOR_LEVELS = ['output', 'outcome', 'impact'] as const;
export type IndicatorLevel = (typeof INDICATOR_LEVELS)[number];
export const INDICATORS = [
  { code: 'trainees', level: 'output', source: 'manual' },
  { code: 'partner_institutions', level: 'output', source: 'counted' },
  { code: 'remote_second_opinions', level: 'outcome', source: 'counted' },
  { code: 'case_conferences', level: 'outcome', source: 'manual' },
  { code: 'published_programmes', level: 'impact', source: 'manual' },
] as const satisfies readonly { code: string; level: IndicatorLevel; source: 'counted' | 'manual' }[];
export const INDICATOR_CODES = INDICATORS.map((i) => i.code) as [IndicatorCode, ...IndicatorCode[]];
export type IndicatorCode = (typeof INDICATORS)[number]['code'];
export type IndicatorSource = (typeof INDICATORS)[number]['source'];
export const indicatorSource = (code: IndicatorCode): IndicatorSource => INDICATORS.find((i) => i.code === code)!.source;

/** The fiscal years one may ask for; a year is named by the calendar year it starts in (2026年度). */
export const FISCAL_YEAR_MIN = 2000;
export const FISCAL_YEAR_MAX = 2100;
/** The Japanese fiscal year starts in April; a hospital may start it in another month (KAKEHASHI_FISCAL_YEAR_START_MONTH). */
export const FISCAL_YEAR_START_MONTH_DEFAULT = 4;
export const INDICATOR_VALUE_MAX = 10_000_000;
export const INDICATOR_NOTE_MAX = 500;

const pad = (n: number) => String(n).padStart(2, '0');
/** The first day of fiscal year `year` and the first day of the next one (exclusive end), as calendar dates. */
export function fiscalYearRange(year: number, startMonth = FISCAL_YEAR_START_MONTH_DEFAULT): { from: string; to: string } {
  return { from: `${year}-${pad(startMonth)}-01`, to: `${year + 1}-${pad(startMonth)}-01` };
}
/** The fiscal year a calendar date (YYYY-MM-DD) falls in: 2027-03-31 is in 2026 when years start in April. */
export function fiscalYearOf(date: string, startMonth = FISCAL_YEAR_START_MONTH_DEFAULT): number {
  const year = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= startMonth ? year : year - 1;
}
/** Actual over planned (1 = achieved), null without a positive plan or an actual. */
export const achievementRate = (planned: number | null, actual: number | null) => (planned && actual !== null ? actual / planned : null);

const fiscalYear = z.coerce.number().int().min(FISCAL_YEAR_MIN).max(FISCAL_YEAR_MAX);
/** Without a year: the current fiscal year in the hospital's time zone. */
export const indicatorQuery = z.object({
  year: fiscalYear.optional(),
  /** `csv` (also chosen by `Accept: text/csv`) or `xlsx`: the table as a file. */
  format: z.enum(['json', 'csv', 'xlsx']).optional(),
  /** The language of the file's headers and labels (the caller's by default). */
  locale: z.enum(LOCALES).optional(),
});
export const indicatorParam = z.object({ year: fiscalYear, code: z.enum(INDICATOR_CODES) });
const value = z.number().int().min(0).max(INDICATOR_VALUE_MAX);
/** A plan for the year; null removes it. */
export const indicatorPlanBody = z.object({ planned: value.nullable() });
/** A hand-entered actual of a manual indicator, with a note (where the figure comes from); null removes it. */
export const indicatorActualBody = z.object({ actual: value.nullable(), note: storableText(INDICATOR_NOTE_MAX).default('') });

const person = z.object({ id: z.uuid(), name: z.string() }).nullable();
export const indicatorRow = z.object({
  code: z.enum(INDICATOR_CODES),
  level: z.enum(INDICATOR_LEVELS),
  source: z.enum(['counted', 'manual']),
  planned: z.number().int().nullable(),
  /** Counted, or entered by hand (manual); null: not entered yet. */
  actual: z.number().int().nullable(),
  rate: z.number().nullable(),
  note: z.string(),
  enteredBy: person,
  enteredAt: z.string().nullable(),
});
export const indicatorYear = z.object({
  year: z.number().int(),
  /** The fiscal year's first day and the first day of the next, in the hospital's time zone. */
  from: calendarDate,
  to: calendarDate,
  timeZone: z.string(),
  /** `programme`: the whole programme; `institution`: a partner member's own institution (its cases only, no plans). */
  scope: z.enum(['programme', 'institution']),
  rows: z.array(indicatorRow),
});
export type IndicatorYear = z.infer<typeof indicatorYear>;
export type IndicatorRow = z.infer<typeof indicatorRow>;
