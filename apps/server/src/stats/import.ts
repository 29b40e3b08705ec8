import { CsvError, parse } from 'csv-parse/sync';
import { calendarDate, csvRecords, IMPORT_CSV_OPTIONS, type CsvRecord, IMPORT_REQUIRED_COLUMNS, DATE_RANGE, STATS_CODES, storableText, SURVEY_NURSE_SEPARATOR, UNSTORABLE_TEXT } from '@kakehashi/core';

/**
 * The history import's file (docs/architecture.md, "Statistics"): CSV as RFC 4180 read by csv-parse
 * (quoted fields may hold commas, doubled quotes and line breaks; a stray quote inside a field is
 * taken as it is), UTF-8 with or without a byte-order mark, header first; blank lines are skipped.
 * A quote left open is no CSV at all: the line where that field starts.
 */
export function parseCsv(text: string): { records: CsvRecord[] } | { brokenAt: number } {
  try {
    return { records: csvRecords(parse(text, IMPORT_CSV_OPTIONS)) };
  } catch (e) {
    if (e instanceof CsvError) return { brokenAt: Number(e.lines) || 1 };
    throw e;
  }
}

export interface ImportRow {
  caseNumber: string;
  requestedOn: string;
  department: string;
  requester: string | null;
  sex: string | null;
  residence: string | null;
  stage: string | null;
  subject: string | null;
  outcomes: string[];
  reason: string | null;
  disposition: string | null;
  surveyPurpose: number | null;
  surveyUnderstanding: number | null;
  surveySatisfaction: number | null;
  surveyNurse: string[];
  visitedOn: string | null;
  reportedOn: string | null;
}

/** Why a row is refused: a `stats.import.*` message and its values. */
export interface RowProblem {
  key: 'header' | 'broken' | 'missing' | 'date' | 'code' | 'scale' | 'text' | 'columns' | 'liveCase' | 'repeated';
  params: Record<string, string | number>;
}

const SINGLE = { requester: 'requester', sex: 'sex', residence: 'residence', stage: 'stage', subject: 'subject', reason: 'reason', disposition: 'disposition' } as const;
const SCALES = { surveyPurpose: 'survey_purpose', surveyUnderstanding: 'survey_understanding', surveySatisfaction: 'survey_satisfaction' } as const;
const caseNumber = storableText(64).min(1);

/** The header's column positions, or null when a required column is missing. */
export function columnsOf(header: string[]): Map<string, number> | null {
  const columns = new Map(header.map((h, i) => [h.trim().toLowerCase(), i]));
  return IMPORT_REQUIRED_COLUMNS.every((c) => columns.has(c)) ? columns : null;
}

/** One line of the file as a row to store, or what is wrong with it (the first problem found). */
export function readRow(fields: string[], columns: Map<string, number>, departments: ReadonlySet<string>): ImportRow | RowProblem {
  if (fields.length !== columns.size) return { key: 'columns', params: { fields: fields.length, expected: columns.size } };
  const raw = (column: string) => (columns.has(column) ? fields[columns.get(column)!].trim() : '');
  let problem: RowProblem | null = null;
  const fail = (p: RowProblem) => ((problem ??= p), null);
  const code = (column: string, allowed: readonly string[]) => {
    const v = raw(column);
    return v === '' ? null : allowed.includes(v) ? v : fail({ key: 'code', params: { column, value: v } });
  };
  const codes = (column: string, allowed: readonly string[]) =>
    raw(column)
      .split(SURVEY_NURSE_SEPARATOR)
      .map((v) => v.trim())
      .filter(Boolean)
      .flatMap((v) => (allowed.includes(v) ? [v] : (fail({ key: 'code', params: { column, value: v } }), [])));
  const date = (column: string) => {
    const v = raw(column);
    return v === '' ? null : calendarDate.safeParse(v).success ? v : fail({ key: 'date', params: { column, ...DATE_RANGE } });
  };
  const scale = (column: string) => {
    const v = raw(column);
    return v === '' ? null : /^[1-4]$/.test(v) ? Number(v) : fail({ key: 'scale', params: { column } });
  };

  for (const column of IMPORT_REQUIRED_COLUMNS) if (raw(column) === '') return { key: 'missing', params: { column } };
  const unstorable = fields.findIndex((f) => UNSTORABLE_TEXT.test(f));
  if (unstorable >= 0) return { key: 'text', params: { column: [...columns.keys()][unstorable] } };
  const number = caseNumber.safeParse(raw('case_number'));
  if (!number.success) return { key: 'text', params: { column: 'case_number' } };
  const department = raw('department');
  const row: ImportRow = {
    caseNumber: number.data,
    requestedOn: date('requested_on') ?? '',
    department: departments.has(department) ? department : (fail({ key: 'code', params: { column: 'department', value: department } }) ?? ''),
    ...(Object.fromEntries(Object.entries(SINGLE).map(([k, column]) => [k, code(column, STATS_CODES[k as keyof typeof SINGLE])])) as Pick<ImportRow, keyof typeof SINGLE>),
    outcomes: [...new Set(codes('outcomes', STATS_CODES.outcome))],
    ...(Object.fromEntries(Object.entries(SCALES).map(([k, column]) => [k, scale(column)])) as Pick<ImportRow, keyof typeof SCALES>),
    surveyNurse: [...new Set(codes('survey_nurse', STATS_CODES.nurse))],
    visitedOn: date('visited_on'),
    reportedOn: date('reported_on'),
  };
  return problem ?? row;
}
