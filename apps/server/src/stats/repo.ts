import { eq, inArray, sql, type SQL } from 'drizzle-orm';
import { TOKYO_AREA_PREFECTURES } from '@kakehashi/core';
import { rowsOf, type Db } from '../db/client.ts';
import { cases, institutions } from '../db/schema.ts';
import type { ImportRow } from './import.ts';
import { splitPeriod } from './months.ts';

/** The local day of a timestamp in the hospital's zone. */
const localDay = (zone: string, ts: SQL) => sql`(${ts} at time zone ${zone})::date`;

/**
 * Recomputes the fact rows of live cases from their source tables (the case, its classification,
 * its first held visit, its report's delivery, its submitted survey): of one case, or of every case
 * without a fact row yet (`caseId` null: the start-up backfill).
 */
export async function refreshCaseFacts(db: Db, zone: string, caseId: string | null): Promise<void> {
  const which = caseId ? sql`c.id = ${caseId}` : sql`not exists (select 1 from consultation_facts f where f.case_id = c.id)`;
  await db.execute(sql`
    insert into consultation_facts (case_id, case_number, counted, institution_id, department, language, country,
      residence, requester, sex, stage, subject, outcomes, reason, disposition,
      survey_purpose, survey_understanding, survey_satisfaction, survey_nurse,
      requested_on, requested_month, visited_on, reported_on)
    select c.id, c.number, v.started is not null, c.institution_id, c.department, c.locale, c.country,
      case when c.country <> 'JP' then 'overseas'
        when c.patient->>'prefecture' in (${sql.join(TOKYO_AREA_PREFECTURES.map((p) => sql`${p}`), sql`, `)}) then 'tokyo_area'
        when c.patient->>'prefecture' is not null then 'other_domestic' end,
      c.requester->>'type', c.patient->>'sex', cl.stage, cl.subject, coalesce(cl.outcomes, '{}'), cl.reason, cl.disposition,
      s.purpose, s.understanding, s.satisfaction, s.nurse,
      ${localDay(zone, sql`c.created_at`)}, to_char(${localDay(zone, sql`c.created_at`)}, 'YYYY-MM'),
      ${localDay(zone, sql`v.started`)}, ${localDay(zone, sql`r.delivered_at`)}
    from cases c
    left join case_classifications cl on cl.case_id = c.id
    left join lateral (select min(coalesce(vr.started_at, vi.starts_at)) as started
      from visit_records vr join visits vi on vi.id = vr.visit_id where vr.case_id = c.id and vr.held) v on true
    left join reports r on r.case_id = c.id
    left join surveys s on s.case_id = c.id and s.submitted_at is not null
    where ${which}
    on conflict (case_id) do update set case_number = excluded.case_number, counted = excluded.counted,
      institution_id = excluded.institution_id, department = excluded.department, language = excluded.language,
      country = excluded.country, residence = excluded.residence, requester = excluded.requester, sex = excluded.sex,
      stage = excluded.stage, subject = excluded.subject, outcomes = excluded.outcomes, reason = excluded.reason,
      disposition = excluded.disposition, survey_purpose = excluded.survey_purpose,
      survey_understanding = excluded.survey_understanding, survey_satisfaction = excluded.survey_satisfaction,
      survey_nurse = excluded.survey_nurse, requested_on = excluded.requested_on,
      requested_month = excluded.requested_month, visited_on = excluded.visited_on, reported_on = excluded.reported_on`);
}

/** What a statistics query may narrow by; `institutionId` is forced to a partner member's own. */
export interface FactFilter {
  from: string;
  to: string;
  department?: string;
  institutionId?: string | null;
  country?: string;
  language?: string;
}

/** The column (or the unnested outcome) each grouping key counts by. */
const KEY_SQL: Record<string, SQL> = {
  department: sql`f.department`,
  month: sql`f.requested_month`,
  requester: sql`f.requester`,
  sex: sql`f.sex`,
  residence: sql`f.residence`,
  country: sql`f.country`,
  stage: sql`f.stage`,
  subject: sql`f.subject`,
  outcome: sql`o.code`,
  reason: sql`f.reason`,
  disposition: sql`f.disposition`,
  language: sql`f.language`,
};

/**
 * A table's query costs enough for PostgreSQL to compile it (JIT), which takes longer than the
 * query saves (bench/stats.ts); off for the rest of the statistics transaction.
 */
const withoutJit = (db: Db) => db.execute(sql`set local jit = off`);

function where(filter: FactFilter, extra: SQL): SQL {
  const parts = [sql`f.requested_on between ${filter.from} and ${filter.to}`, extra];
  if (filter.department) parts.push(sql`f.department = ${filter.department}`);
  // A partner member without an institution counts nothing.
  if (filter.institutionId !== undefined) parts.push(filter.institutionId ? sql`f.institution_id = ${filter.institutionId}` : sql`false`);
  if (filter.country) parts.push(sql`f.country = ${filter.country}`);
  if (filter.language) parts.push(sql`f.language = ${filter.language}`);
  return sql.join(parts, sql` and `);
}

/** A filter's column in the roll-ups (`consultation_rollups.kind`). */
const ROLLUP_KINDS = { department: 'department', institutionId: 'institution', country: 'country', language: 'language' } as const;
type RollupKind = 'all' | (typeof ROLLUP_KINDS)[keyof typeof ROLLUP_KINDS];

/** The roll-up rows a filter reads: under at most one filter; null when only the facts can count it. */
function rollupKind(filter: FactFilter): { kind: RollupKind; kindValue: string | null } | null {
  const set = (Object.keys(ROLLUP_KINDS) as (keyof typeof ROLLUP_KINDS)[]).filter((k) => filter[k] !== undefined);
  if (set.length === 0) return { kind: 'all', kindValue: null };
  const value = filter[set[0]];
  // Two filters at once, or a partner member without an institution (who counts nothing): the facts.
  return set.length === 1 && value ? { kind: ROLLUP_KINDS[set[0]], kindValue: value } : null;
}

/** The roll-up rows of whole `months` under `kind` (and its value, when filtering) and `dims`. */
function rollupRows(kind: { kind: RollupKind; kindValue: string | null }, dims: SQL, months: [string, string]): SQL {
  return sql`r.kind = ${kind.kind} and r.dim in (${dims}) and r.month between ${months[0]} and ${months[1]}${kind.kindValue !== null ? sql` and r.kind_value = ${kind.kindValue}` : sql``}`;
}

type Counted = { rows: { keys: (string | null)[]; count: number }[]; total: number };
type SurveyCounts = { rows: { question: string; answer: string; count: number }[]; n: { total: number; purpose: number; understanding: number; satisfaction: number; nurse: number } };
type SpanCounts = { visit: Map<number, number>; report: Map<number, number> };

/**
 * Consultations counted by `keys` (a case once under each of its outcomes), and their total: the
 * whole months from the roll-ups where they can answer (under one filter at most, and one key
 * besides the month and a filter's own), the days at the period's edges from the facts.
 */
export async function countConsultations(db: Db, keys: readonly string[], filter: FactFilter, via: 'rollups' | 'facts' = 'rollups'): Promise<Counted> {
  const parts = splitPeriod(filter.from, filter.to);
  const plan = via === 'rollups' && parts.months ? consultationPlan(keys, filter) : null;
  await withoutJit(db);
  const counted: Counted[] = [];
  if (plan) counted.push(await countRollups(db, plan, parts.months!));
  for (const [from, to] of plan ? parts.edges : [[filter.from, filter.to]]) counted.push(await countFacts(db, keys, { ...filter, from, to }));
  const rows = new Map<string, Counted['rows'][number]>();
  for (const part of counted) {
    for (const r of part.rows) {
      const id = JSON.stringify(r.keys);
      rows.set(id, { keys: r.keys, count: (rows.get(id)?.count ?? 0) + r.count });
    }
  }
  return { rows: [...rows.values()].sort((a, b) => compareKeys(a.keys, b.keys)), total: counted.reduce((sum, p) => sum + p.total, 0) };
}

/** Codepoint order, "not recorded" (null) last: the same whichever table counted the rows. */
function compareKeys(a: (string | null)[], b: (string | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (a[i] === null) return 1;
    if (b[i] === null) return -1;
    return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

/**
 * How the roll-ups answer `keys`: the filter's kind (or, unfiltered, a key that is also a filter,
 * e.g. department × month × outcome as outcome under each department), and one dimension ('*': the
 * consultations themselves); null when they cannot.
 */
function consultationPlan(keys: readonly string[], filter: FactFilter) {
  const base = rollupKind(filter);
  if (!base) return null;
  let { kind } = base;
  let rest = keys.filter((k) => k !== 'month' && k !== kind);
  if (kind === 'all' && rest.length === 2) {
    const byFilter = rest.find((k): k is 'department' | 'country' | 'language' => k === 'department' || k === 'country' || k === 'language');
    if (!byFilter) return null;
    kind = byFilter;
    rest = rest.filter((k) => k !== byFilter);
  }
  if (rest.length > 1) return null;
  const dim = rest[0] ?? '*';
  const columns = keys.map((k) => (k === 'month' ? sql`r.month` : k === kind ? sql`nullif(r.kind_value, '')` : sql`nullif(r.value, '')`));
  return { kind: { kind, kindValue: base.kindValue }, dim, columns };
}

async function countRollups(db: Db, plan: NonNullable<ReturnType<typeof consultationPlan>>, months: [string, string]): Promise<Counted> {
  const cols = plan.columns.map((c, i) => sql`${c} as ${sql.identifier(`k${i}`)}`);
  const groups = plan.columns.map((_, i) => sql.raw(String(i + 1)));
  const rows = rowsOf<Record<string, string | null> & { count: string }>(
    await db.execute(sql`select ${sql.join(cols, sql`, `)}, sum(r.n) as count from consultation_rollups r
      where ${rollupRows(plan.kind, sql`${plan.dim}`, months)} group by ${sql.join(groups, sql`, `)} having sum(r.n) > 0`),
  );
  const counted = rows.map((r) => ({ keys: plan.columns.map((_, i) => r[`k${i}`]), count: Number(r.count) }));
  // A case counts once under each outcome: the total is its own dimension.
  if (plan.dim !== 'outcome') return { rows: counted, total: counted.reduce((sum, r) => sum + r.count, 0) };
  const [{ total }] = rowsOf<{ total: string | null }>(await db.execute(sql`select sum(r.n) as total from consultation_rollups r where ${rollupRows(plan.kind, sql`'*'`, months)}`));
  return { rows: counted, total: Number(total ?? 0) };
}

/**
 * The same count from the facts, in one scan: every counted case falls in exactly one group under
 * its first outcome (or "not recorded"), so the total is the sum of those counts.
 */
async function countFacts(db: Db, keys: readonly string[], filter: FactFilter): Promise<Counted> {
  const cols = keys.map((k, i) => sql`${KEY_SQL[k]}::text as ${sql.identifier(`k${i}`)}`);
  const byOutcome = keys.includes('outcome');
  const unnest = byOutcome
    ? sql`left join lateral unnest(case when cardinality(f.outcomes) = 0 then array[null]::text[] else f.outcomes end) with ordinality as o(code, n) on true`
    : sql``;
  const groups = keys.map((_, i) => sql.raw(String(i + 1)));
  const rows = rowsOf<Record<string, string | null> & { count: string; cases: string }>(
    await db.execute(sql`select ${sql.join(cols, sql`, `)}, count(*) as count${byOutcome ? sql`, count(*) filter (where o.n = 1) as cases` : sql``}
      from consultation_facts f ${unnest}
      where ${where(filter, sql`f.counted`)} group by ${sql.join(groups, sql`, `)}`),
  );
  const total = rows.reduce((sum, r) => sum + Number(byOutcome ? r.cases : r.count), 0);
  return { rows: rows.map((r) => ({ keys: keys.map((_, i) => r[`k${i}`]), count: Number(r.count) })), total };
}

const SURVEY_QUESTIONS = ['purpose', 'understanding', 'satisfaction'] as const;

/**
 * The survey's answers per question (1-4, or the nurse codes), each question's N, and the surveys
 * answered: whole months from the roll-ups (under one filter at most), edge days from the facts.
 */
export async function countSurveyAnswers(db: Db, filter: FactFilter, via: 'rollups' | 'facts' = 'rollups') {
  const parts = splitPeriod(filter.from, filter.to);
  const kind = via === 'rollups' && parts.months ? rollupKind(filter) : null;
  await withoutJit(db);
  const counts: SurveyCounts = { rows: [], n: { total: 0, purpose: 0, understanding: 0, satisfaction: 0, nurse: 0 } };
  const rows = new Map<string, SurveyCounts['rows'][number]>();
  const add = (question: string, answer: string, count: number) => {
    const row = rows.get(`${question}:${answer}`) ?? { question, answer, count: 0 };
    row.count += count;
    rows.set(`${question}:${answer}`, row);
  };
  if (kind) {
    const dims = ['survey', 'survey_nurse_any', 'survey_nurse', ...SURVEY_QUESTIONS.map((q) => `survey_${q}`)];
    const counted = rowsOf<{ dim: string; value: string; count: string }>(
      await db.execute(sql`select r.dim, r.value, sum(r.n) as count from consultation_rollups r
        where ${rollupRows(kind, sql.join(dims.map((d) => sql`${d}`), sql`, `), parts.months!)} group by 1, 2 having sum(r.n) > 0`),
    );
    for (const r of counted) {
      const count = Number(r.count);
      if (r.dim === 'survey') counts.n.total += count;
      else if (r.dim === 'survey_nurse_any') counts.n.nurse += count;
      else {
        const question = r.dim.slice('survey_'.length);
        if (question !== 'nurse') counts.n[question as (typeof SURVEY_QUESTIONS)[number]] += count;
        add(question, r.value, count);
      }
    }
  }
  // One scan of the facts per range counts the surveys by their whole answer (a few thousand
  // combinations at most); each question's answers and N are summed from those counts.
  for (const [from, to] of kind ? parts.edges : [[filter.from, filter.to]]) {
    const groups = rowsOf<{ purpose: number | null; understanding: number | null; satisfaction: number | null; nurse: string[]; count: string }>(
      await db.execute(sql`
        select f.survey_purpose as purpose, f.survey_understanding as understanding, f.survey_satisfaction as satisfaction, f.survey_nurse as nurse, count(*) as count
        from consultation_facts f where ${where({ ...filter, from, to }, sql`f.survey_nurse is not null`)} group by 1, 2, 3, 4`),
    );
    for (const g of groups) {
      const count = Number(g.count);
      counts.n.total += count;
      for (const q of SURVEY_QUESTIONS) {
        if (g[q] === null) continue;
        counts.n[q] += count;
        add(q, String(g[q]), count);
      }
      if (g.nurse.length) counts.n.nurse += count;
      for (const code of g.nurse) add('nurse', code, count);
    }
  }
  counts.rows = [...rows.values()];
  return counts;
}

/** Departments' names, for export labels. */
export async function departmentNames(db: Db) {
  return rowsOf<{ code: string; name_ja: string; name_zh: string; name_en: string }>(await db.execute(sql`select code, name_ja, name_zh, name_en from departments`));
}

/** An institution's name, for the summary's filters (null: no such institution). */
export async function institutionName(db: Db, id: string): Promise<string | null> {
  const [row] = await db.select({ name: institutions.name }).from(institutions).where(eq(institutions.id, id));
  return row?.name ?? null;
}

const IMPORT_BATCH = 1000;

/** Which of these numbers belong to live cases (never overwritten by an import). */
export async function liveCaseNumbers(db: Db, numbers: string[]): Promise<Set<string>> {
  const live = new Set<string>();
  for (let i = 0; i < numbers.length; i += IMPORT_BATCH) {
    for (const r of await db.select({ number: cases.number }).from(cases).where(inArray(cases.number, numbers.slice(i, i + IMPORT_BATCH)))) live.add(r.number);
  }
  return live;
}

/** Stores imported consultations (a number imported before is updated) and refreshes their fact rows. */
export async function saveImported(db: Db, rows: ImportRow[], importedBy: string): Promise<void> {
  for (let i = 0; i < rows.length; i += IMPORT_BATCH) {
    const batch = rows.slice(i, i + IMPORT_BATCH);
    // One JSON parameter per batch: the database unpacks it (far quicker than a parameter per value).
    await db.execute(sql`
      insert into imported_consultations (case_number, requested_on, department, requester, sex, residence, stage, subject, outcomes,
        reason, disposition, survey_purpose, survey_understanding, survey_satisfaction, survey_nurse, visited_on, reported_on, imported_by)
      select "caseNumber", "requestedOn", department, requester, sex, residence, stage, subject, outcomes, reason, disposition,
        "surveyPurpose", "surveyUnderstanding", "surveySatisfaction", "surveyNurse", "visitedOn", "reportedOn", ${importedBy}::uuid
      from json_to_recordset(${JSON.stringify(batch)}::json) as r("caseNumber" text, "requestedOn" date, department text, requester text,
        sex text, residence text, stage text, subject text, outcomes text[], reason text, disposition text, "surveyPurpose" smallint,
        "surveyUnderstanding" smallint, "surveySatisfaction" smallint, "surveyNurse" text[], "visitedOn" date, "reportedOn" date)
      on conflict (case_number) do update set requested_on = excluded.requested_on, department = excluded.department,
        requester = excluded.requester, sex = excluded.sex, residence = excluded.residence, stage = excluded.stage,
        subject = excluded.subject, outcomes = excluded.outcomes, reason = excluded.reason, disposition = excluded.disposition,
        survey_purpose = excluded.survey_purpose, survey_understanding = excluded.survey_understanding,
        survey_satisfaction = excluded.survey_satisfaction, survey_nurse = excluded.survey_nurse, visited_on = excluded.visited_on,
        reported_on = excluded.reported_on, imported_by = excluded.imported_by, imported_at = now()`);
    await db.execute(sql`
      insert into consultation_facts (imported_number, case_number, counted, department, country, residence, requester, sex,
        stage, subject, outcomes, reason, disposition, survey_purpose, survey_understanding, survey_satisfaction, survey_nurse,
        requested_on, requested_month, visited_on, reported_on)
      select i.case_number, i.case_number, true, i.department, case when i.residence in ('tokyo_area', 'other_domestic') then 'JP' end,
        i.residence, i.requester, i.sex, i.stage, i.subject, i.outcomes, i.reason, i.disposition,
        i.survey_purpose, i.survey_understanding, i.survey_satisfaction,
        case when i.survey_purpose is not null or i.survey_understanding is not null or i.survey_satisfaction is not null or cardinality(i.survey_nurse) > 0 then i.survey_nurse end,
        i.requested_on, to_char(i.requested_on, 'YYYY-MM'), i.visited_on, i.reported_on
      from imported_consultations i where i.case_number in (select json_array_elements_text(${JSON.stringify(batch.map((r) => r.caseNumber))}::json))
      on conflict (imported_number) do update set department = excluded.department, country = excluded.country,
        residence = excluded.residence, requester = excluded.requester, sex = excluded.sex, stage = excluded.stage,
        subject = excluded.subject, outcomes = excluded.outcomes, reason = excluded.reason, disposition = excluded.disposition,
        survey_purpose = excluded.survey_purpose, survey_understanding = excluded.survey_understanding,
        survey_satisfaction = excluded.survey_satisfaction, survey_nurse = excluded.survey_nurse,
        requested_on = excluded.requested_on, requested_month = excluded.requested_month,
        visited_on = excluded.visited_on, reported_on = excluded.reported_on`);
  }
}

/**
 * Days from request to visit and from visit to report: N, median and 90th percentile, interpolated
 * as `percentile_cont`, read from how many consultations took each number of days (whole months
 * from the roll-ups, edge days from the facts, counted by their pair of spans), not from a sort of
 * every row.
 */
export async function timeSpans(db: Db, filter: FactFilter, via: 'rollups' | 'facts' = 'rollups') {
  const parts = splitPeriod(filter.from, filter.to);
  const kind = via === 'rollups' && parts.months ? rollupKind(filter) : null;
  await withoutJit(db);
  const spans: SpanCounts = { visit: new Map(), report: new Map() };
  const add = (m: keyof SpanCounts, days: number | string | null, count: number | string) => {
    if (days !== null) spans[m].set(Number(days), (spans[m].get(Number(days)) ?? 0) + Number(count));
  };
  if (kind) {
    const counted = rowsOf<{ dim: 'visit_days' | 'report_days'; value: string; count: string }>(
      await db.execute(sql`select r.dim, r.value, sum(r.n) as count from consultation_rollups r
        where ${rollupRows(kind, sql`'visit_days', 'report_days'`, parts.months!)} group by 1, 2 having sum(r.n) > 0`),
    );
    for (const r of counted) add(r.dim === 'visit_days' ? 'visit' : 'report', r.value, r.count);
  }
  for (const [from, to] of kind ? parts.edges : [[filter.from, filter.to]]) {
    const counts = rowsOf<{ visit: number | null; report: number | null; count: string }>(
      await db.execute(sql`
        select f.visited_on - f.requested_on as visit, f.reported_on - f.visited_on as report, count(*) as count
        from consultation_facts f where ${where({ ...filter, from, to }, sql`f.counted`)} group by 1, 2`),
    );
    for (const r of counts) {
      add('visit', r.visit, r.count);
      add('report', r.report, r.count);
    }
  }
  const [visit, report] = (['visit', 'report'] as const).map((m) => percentiles([...spans[m]].sort((a, b) => a[0] - b[0])));
  return [
    { measure: 'request_to_visit', ...visit },
    { measure: 'visit_to_report', ...report },
  ];
}

/** N, median and 90th percentile of values given as ascending [value, how many], as `percentile_cont` computes them. */
function percentiles(values: [number, number][]) {
  const n = values.reduce((sum, [, count]) => sum + count, 0);
  const at = (index: number) => {
    let seen = 0;
    for (const [value, count] of values) if (index < (seen += count)) return value;
    throw new Error('index past the values');
  };
  const cont = (p: number) => {
    if (!n) return null;
    const position = p * (n - 1);
    const lower = at(Math.floor(position));
    return lower + (at(Math.ceil(position)) - lower) * (position - Math.floor(position));
  };
  return { n, median: cont(0.5), p90: cont(0.9) };
}
