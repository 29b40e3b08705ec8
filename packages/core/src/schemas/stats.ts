import { z } from 'zod';
import { CONSULTATION_SUBJECTS, DISEASE_STAGES, DISPOSITIONS, OPINION_OUTCOMES, REQUESTER_TYPES, SEXES, VISIT_REASONS } from '../cases.ts';
import { LOCALES } from '../i18n/locales.ts';
import { calendarDate } from './common.ts';
import { SURVEY_NURSE_CODES } from './survey.ts';

/**
 * Statistics (docs/architecture.md, "Statistics"): counts of consultations and survey answers over
 * a period, grouped by any of these keys. `outcome` counts a case once under each of its outcomes.
 */
export const STATS_KEYS = ['department', 'month', 'requester', 'sex', 'residence', 'country', 'stage', 'subject', 'outcome', 'reason', 'disposition', 'language'] as const;
export type StatsKey = (typeof STATS_KEYS)[number];
/** Residence buckets (docs/glossary.md §3.2); a Japanese resident without a prefecture has none. */
export const RESIDENCE_BUCKETS = ['tokyo_area', 'other_domestic', 'overseas'] as const;
/** Cells below this count are suppressed in an export meant for publication: the hospital's setting starts here. */
export const STATS_MIN_CELL_DEFAULT = 5;
export const STATS_MIN_CELL_MIN = 2;
export const STATS_MIN_CELL_MAX = 100;
export const statsMinCell = z.number().int().min(STATS_MIN_CELL_MIN).max(STATS_MIN_CELL_MAX);
export const STATS_FORMATS = ['json', 'csv', 'xlsx'] as const;

const keyList = z
  .string()
  .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean))
  .pipe(z.array(z.enum(STATS_KEYS)).min(1).max(3).refine((keys) => new Set(keys).size === keys.length, 'validation.statsKeysRepeated'));
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const periodQuery = z.object({
  from: calendarDate,
  to: calendarDate,
  /** A department's code (reference data an administrator can extend). */
  department: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/).optional(),
  institution: z.uuid().optional(),
  country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/).optional(),
  language: z.enum(LOCALES).optional(),
  /** `csv` is also chosen by `Accept: text/csv`. */
  format: z.enum(STATS_FORMATS).optional(),
  /** The language of an export's headers and labels (the caller's by default). */
  locale: z.enum(LOCALES).optional(),
  /** For publication: cells below `minCell` (and what would give them away) are left blank. */
  suppress: flag.default(false),
  /** The smallest count shown when suppressing; the hospital's setting when not given. */
  minCell: z.coerce.number().pipe(statsMinCell).optional(),
});
const ordered = <T extends { from: string; to: string }>(q: T) => q.from <= q.to;

export const consultationStatsQuery = periodQuery
  .extend({ by: keyList.default(['department', 'month']) })
  .refine(ordered, { path: ['to'], error: 'validation.periodOrder' });
export type ConsultationStatsQuery = z.output<typeof consultationStatsQuery>;
export const surveyStatsQuery = periodQuery.refine(ordered, { path: ['to'], error: 'validation.periodOrder' });
export type SurveyStatsQuery = z.output<typeof surveyStatsQuery>;
/** The one-page summary (PDF) of a period: the same filters; `locale` is the PDF's language. */
export const statsSummaryQuery = periodQuery.omit({ format: true }).refine(ordered, { path: ['to'], error: 'validation.periodOrder' });
export type StatsSummaryQuery = z.output<typeof statsSummaryQuery>;

/** One group: its keys (null: not recorded), its count (null: suppressed) and its share of `total` in percent. */
export const statsRow = z.record(z.string(), z.union([z.string(), z.number(), z.null()])).meta({ id: 'StatsRow' });
export const statsTable = z
  .object({
    rows: z.array(statsRow),
    /** Consultations (or submitted surveys) in the period: the base of the percentages (null: suppressed). */
    total: z.number().int().nullable(),
    /** When suppressing: the smallest count shown. */
    minCell: z.number().int().optional(),
  })
  .meta({ id: 'StatsTable' });
export type StatsTable = z.infer<typeof statsTable>;

/** The codes each key takes (besides null), for labels and the import's validation. */
export const STATS_CODES = {
  requester: REQUESTER_TYPES,
  sex: SEXES,
  residence: RESIDENCE_BUCKETS,
  stage: DISEASE_STAGES,
  subject: CONSULTATION_SUBJECTS,
  outcome: OPINION_OUTCOMES,
  reason: VISIT_REASONS,
  disposition: DISPOSITIONS,
  nurse: SURVEY_NURSE_CODES,
} as const;

/** The columns every history import file must have (its other columns are optional). */
export const IMPORT_REQUIRED_COLUMNS = ['case_number', 'requested_on', 'department'] as const;
/**
 * How the history import's CSV is read (csv-parse's options), on the server and in the import page's
 * preview alike: UTF-8 with or without a byte-order mark, blank lines skipped, the field count checked
 * per row (not by the parser), a stray quote inside an unquoted field kept as a character.
 */
export const IMPORT_CSV_OPTIONS = { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true } as const;

/** One record of the file and the line it starts on (a quoted field may hold line breaks). */
export interface CsvRecord {
  line: number;
  fields: string[];
}
/** csv-parse's records (read with `IMPORT_CSV_OPTIONS`) without blank ones, each with the line it starts on. */
export function csvRecords(parsed: unknown): CsvRecord[] {
  // What `info: true` returns (csv-parse's typings do not follow that option).
  return (
    (parsed as readonly { record: string[]; info: { lines: number } }[])
      .filter(({ record }) => record.length > 1 || record[0].trim() !== '')
      // csv-parse counts the lines read up to the record's end.
      .map(({ record, info }) => ({ line: info.lines - (record.join('').match(/\r\n|\r|\n/g)?.length ?? 0), fields: record }))
  );
}
/** Where each coded key's labels are in the catalogs (`<prefix>.<code>`), for the screens and the exports alike. */
export const STATS_LABEL_PREFIXES: Partial<Record<StatsKey, string>> = {
  requester: 'cases.requesterTypes',
  sex: 'caseTerms.sexes',
  residence: 'stats.residence',
  stage: 'codes.stage',
  subject: 'codes.subject',
  outcome: 'codes.outcome',
  reason: 'codes.reason',
  disposition: 'codes.disposition',
  language: 'languages',
};

export const IMPORT_MODES = ['all-or-nothing', 'skip-invalid'] as const;
export const importQuery = z.object({ mode: z.enum(IMPORT_MODES).default('all-or-nothing') });
export const importResult = z
  .object({
    imported: z.number().int(),
    rejected: z.array(z.object({ row: z.number().int(), reason: z.string() })),
  })
  .meta({ id: 'ImportResult' });
export type ImportResult = z.infer<typeof importResult>;
/** The history import's largest file. */
export const IMPORT_MAX_BYTES = 32 * 1024 * 1024;
