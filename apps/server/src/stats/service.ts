import { STATS_CODES, STATS_LABEL_PREFIXES, type ConsultationStatsQuery, type ImportResult, type Locale, type StatsKey, type StatsSummaryQuery, type StatsTable, type SurveyStatsQuery } from '@kakehashi/core';
import { policyPrincipal, type Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { HospitalService } from '../hospital/service.ts';
import { translator } from '../i18n.ts';
import { letterheadFor } from '../reports/letterhead.ts';
import { exportAs, type ExportTable, type Format, type StatsAnswer } from './export.ts';
import { columnsOf, parseCsv, readRow, type ImportRow, type RowProblem } from './import.ts';
import * as repo from './repo.ts';
import { renderStatsSummary, type SummaryRow } from './summary.ts';
import { linesOf, suppress } from './suppress.ts';

type Period = Pick<SurveyStatsQuery, 'from' | 'to' | 'department' | 'institution' | 'country' | 'language' | 'suppress' | 'minCell' | 'locale'>;
const percent = (count: number | null, base: number | null) => (count === null || !base ? null : Math.round((count / base) * 1000) / 10);

/**
 * Statistics over the facts table (docs/architecture.md, "Statistics"): counts only, never a case's
 * row. A partner member counts only their institution's cases, in the query itself.
 */
export function createStatsService(deps: { gate: Gate<unknown>; hospital: HospitalService; config: Pick<Config, 'timeZone' | 'letterhead'> }) {
  const { gate, hospital, config } = deps;

  /** When suppressing, the smallest count shown: the query's, else the hospital's setting; null: nothing hidden. */
  async function minCellOf(tx: Db, q: Period, settings?: { statsMinCell: number }): Promise<number | null> {
    return q.suppress ? (q.minCell ?? (settings ?? (await hospital.settings(tx))).statsMinCell) : null;
  }
  /** A count (or a figure's N) to hide: more than none, fewer than minCell. */
  const small = (minCell: number | null, n: number) => minCell !== null && n > 0 && n < minCell;
  const NONE = { hidden: new Set<number>(), hiddenLines: new Set<number>() };

  function filterOf(actor: Actor, q: Period): repo.FactFilter {
    const p = policyPrincipal(actor);
    let institutionId: string | null | undefined = q.institution;
    // A partner member counts their own institution; naming another gets nothing, not the other's counts.
    if (p?.kind === 'user' && p.role === 'partner') institutionId = !q.institution || q.institution === p.institutionId ? p.institutionId : null;
    return { from: q.from, to: q.to, department: q.department, country: q.country, language: q.language, ...(institutionId !== undefined ? { institutionId } : {}) };
  }

  /** Code labels for an export, in its language. */
  async function labeller(tx: Db, locale: Locale) {
    const t = translator(locale);
    const names = new Map((await repo.departmentNames(tx)).map((d) => [d.code, locale === 'ja' ? d.name_ja : locale === 'zh-CN' ? d.name_zh : d.name_en]));
    const codes: Partial<Record<StatsKey, (v: string) => string>> = {
      department: (v) => names.get(v) ?? v,
      ...Object.fromEntries(Object.entries(STATS_LABEL_PREFIXES).map(([key, prefix]) => [key, (v: string) => t(`${prefix}.${v}` as 'stats.notRecorded')])),
    };
    return { t, label: (key: StatsKey, v: string | null) => (v === null ? t('stats.notRecorded') : (codes[key]?.(v) ?? v)) };
  }

  /** Consultations counted by `by`, small cells blanked when suppressing. */
  async function consultationTable(tx: Db, by: readonly StatsKey[], filter: repo.FactFilter, minCell: number | null) {
    const counted = await repo.countConsultations(tx, by, filter);
    const lines = linesOf(counted.rows.map((r) => r.keys));
    const { hidden, hiddenLines } = minCell !== null ? suppress(counted.rows.map((r) => r.count), lines, minCell) : NONE;
    // The last line of `linesOf` is the whole table: its sum is the total.
    const totalHidden = hiddenLines.has(lines.length - 1) || small(minCell, counted.total);
    const total = totalHidden ? null : counted.total;
    const rows = counted.rows.map((r, i) => {
      const count = hidden.has(i) ? null : r.count;
      return { ...Object.fromEntries(by.map((k, j) => [k, r.keys[j]])), count, percent: percent(count, total) };
    });
    return { rows, total };
  }

  /** The survey's answers per question with each question's N, small cells blanked when suppressing. */
  async function surveyTable(tx: Db, filter: repo.FactFilter, minCell: number | null) {
    const counted = await repo.countSurveyAnswers(tx, filter);
    const questions = ['purpose', 'understanding', 'satisfaction', 'nurse'] as const;
    // Each question's answers are a line whose sum (its N; for the nurse, the answers) could be worked out.
    const lines = questions.map((qn) => counted.rows.flatMap((r, i) => (r.question === qn ? [i] : [])));
    const { hidden, hiddenLines } = minCell !== null ? suppress(counted.rows.map((r) => r.count), lines, minCell) : NONE;
    const total = small(minCell, counted.n.total) ? null : counted.n.total;
    const rows = counted.rows.map((r, i) => {
      const qi = questions.indexOf(r.question as (typeof questions)[number]);
      const n = hiddenLines.has(qi) || small(minCell, counted.n[questions[qi]]) ? null : counted.n[questions[qi]];
      const count = hidden.has(i) ? null : r.count;
      return { question: r.question, answer: r.answer, count, n, percent: percent(count, n) };
    });
    rows.sort((a, b) => questions.indexOf(a.question as never) - questions.indexOf(b.question as never) || a.answer.localeCompare(b.answer));
    return { rows, total };
  }

  /** Days from request to visit and from visit to report; a figure over fewer than minCell cases blanked when suppressing. */
  async function timeTable(tx: Db, filter: repo.FactFilter, minCell: number | null) {
    const spans = await repo.timeSpans(tx, filter);
    // For publication a figure over fewer than minCell cases is left out, as a small cell would be.
    return spans.map((r) => (small(minCell, r.n) ? { ...r, n: null, median: null, p90: null } : r));
  }

  /** The table as JSON (with the minCell used, when suppressing), or its export in `locale`. */
  function answer(table: StatsTable, minCell: number | null, exported: (locale: Locale) => Promise<ExportTable>, format: Format, locale: Locale, name: string): Promise<StatsAnswer<StatsTable>> {
    return exportAs({ ...table, ...(minCell !== null ? { minCell } : {}) }, () => exported(locale), format, name);
  }

  return {
    consultations(actor: Actor, q: ConsultationStatsQuery, format: Format): Promise<StatsAnswer<StatsTable>> {
      return gate.run(actor, 'stats.read', null, async ({ tx, audit }) => {
        audit.details = { table: 'consultations', by: q.by, from: q.from, to: q.to, format, suppress: q.suppress };
        const minCell = await minCellOf(tx, q);
        const { rows, total } = await consultationTable(tx, q.by, filterOf(actor, q), minCell);
        const locale = q.locale ?? actor.locale;
        return answer({ rows, total }, minCell, async (l) => {
          const { t, label } = await labeller(tx, l);
          return {
            headers: [...q.by.map((k) => t(`stats.keys.${k}`)), t('stats.count'), t('stats.percent')],
            rows: [...rows.map((r) => [...q.by.map((k) => label(k, (r as Record<string, unknown>)[k] as string | null)), r.count, r.percent]), [t('stats.total'), ...q.by.slice(1).map(() => ''), total, null]],
          };
        }, format, locale, `consultations-${q.from}-${q.to}`);
      });
    },

    surveys(actor: Actor, q: SurveyStatsQuery, format: Format): Promise<StatsAnswer<StatsTable>> {
      return gate.run(actor, 'stats.read', null, async ({ tx, audit }) => {
        audit.details = { table: 'surveys', from: q.from, to: q.to, format, suppress: q.suppress };
        const minCell = await minCellOf(tx, q);
        const { rows, total } = await surveyTable(tx, filterOf(actor, q), minCell);
        const locale = q.locale ?? actor.locale;
        return answer({ rows, total }, minCell, async (l) => {
          const t = translator(l);
          const answerLabel = (qn: string, a: string) =>
            qn === 'nurse' ? t(`survey.nurse.${a}` as 'survey.nurse.nurse_not_needed') : t(`survey.scales.${qn}.answer${a}` as 'survey.scales.purpose.answer1');
          return {
            headers: [t('stats.question'), t('stats.answer'), t('stats.count'), t('stats.n'), t('stats.percent')],
            rows: [...rows.map((r) => [t(`survey.questions.${r.question}` as 'survey.questions.purpose'), answerLabel(r.question, r.answer), r.count, r.n, r.percent]), [t('stats.total'), '', total, null, null]],
          };
        }, format, locale, `surveys-${q.from}-${q.to}`);
      });
    },

    /** Days from request to visit and from visit to report (no small cells: each figure is over N cases, N shown). */
    times(actor: Actor, q: SurveyStatsQuery, format: Format): Promise<StatsAnswer<StatsTable>> {
      return gate.run(actor, 'stats.read', null, async ({ tx, audit }) => {
        audit.details = { table: 'times', from: q.from, to: q.to, format, suppress: q.suppress };
        const minCell = await minCellOf(tx, q);
        const rows = await timeTable(tx, filterOf(actor, q), minCell);
        return answer({ rows, total: null }, minCell, async (l) => {
          const t = translator(l);
          return {
            headers: [t('stats.measure'), t('stats.n'), t('stats.median'), t('stats.p90')],
            rows: rows.map((r) => [t(`stats.measures.${r.measure}` as 'stats.measures.request_to_visit'), r.n, r.median, r.p90]),
          };
        }, format, q.locale ?? actor.locale, `times-${q.from}-${q.to}`);
      });
    },

    /**
     * The period's one-page summary as a PDF in `locale` (the caller's by default), for the hospital's
     * own annual report: the tables above, suppressed only when asked.
     */
    summary(actor: Actor, q: StatsSummaryQuery): Promise<StatsAnswer<StatsTable>> {
      return gate.run(actor, 'stats.read', null, async ({ tx, audit }) => {
        const locale = q.locale ?? actor.locale;
        audit.details = { table: 'summary', from: q.from, to: q.to, format: 'pdf', locale, suppress: q.suppress };
        const filter = filterOf(actor, q);
        const settings = await hospital.settings(tx);
        const minCell = await minCellOf(tx, q, settings);
        const { t, label } = await labeller(tx, locale);
        const keys = ['department', 'month', 'requester', 'sex', 'residence', 'outcome'] as const;
        const tables = {} as Record<(typeof keys)[number], StatsTable>;
        for (const k of keys) tables[k] = await consultationTable(tx, [k], filter, minCell);
        const codeOf = (key: StatsKey, r: StatsTable['rows'][number]) => r[key] as string | null;
        const row = (key: StatsKey, r: StatsTable['rows'][number] | undefined, code: string | null): SummaryRow => ({ label: label(key, code), count: r ? (r.count as number | null) : 0, percent: r ? (r.percent as number | null) : 0 });
        /** Every code in its usual order (0 when absent), then "not recorded" when counted. */
        const coded = (key: 'requester' | 'sex' | 'residence' | 'outcome'): SummaryRow[] => {
          const rows = tables[key].rows;
          const unrecorded = rows.find((r) => codeOf(key, r) === null);
          return [...STATS_CODES[key].map((code) => row(key, rows.find((r) => codeOf(key, r) === code), code)), ...(unrecorded ? [row(key, unrecorded, null)] : [])];
        };
        const departments = tables.department.rows.map((r) => row('department', r, codeOf('department', r))).sort((a, b) => (b.count ?? 0) - (a.count ?? 0) || a.label.localeCompare(b.label, locale));
        const residence = coded('residence');
        const surveys = await surveyTable(tx, filter, minCell);
        const satisfaction = [1, 2, 3, 4].map((a) => {
          const answer = surveys.rows.find((r) => r.question === 'satisfaction' && r.answer === String(a));
          return { label: t(`survey.scales.satisfaction.answer${a}` as 'survey.scales.satisfaction.answer1'), count: answer ? answer.count : 0, percent: answer ? answer.percent : 0 };
        });
        // Each satisfaction row holds the question's N (null: suppressed); without a row none answered it.
        const satisfied = surveys.rows.find((r) => r.question === 'satisfaction');
        const times = await timeTable(tx, filter, minCell);
        const time = (measure: string) => times.find((r) => r.measure === measure)!;
        const filters: [string, string][] = [];
        if (q.department) filters.push([t('stats.keys.department'), label('department', q.department)]);
        if (typeof filter.institutionId === 'string') filters.push([t('stats.summary.institution'), (await repo.institutionName(tx, filter.institutionId)) ?? filter.institutionId]);
        if (q.country) filters.push([t('stats.keys.country'), q.country]);
        if (q.language) filters.push([t('stats.keys.language'), label('language', q.language)]);
        const file = await renderStatsSummary({
          locale,
          letterhead: letterheadFor(locale, settings, config.letterhead),
          from: q.from,
          to: q.to,
          filters,
          total: tables.department.total,
          overseas: residence[STATS_CODES.residence.indexOf('overseas')],
          surveys: surveys.total,
          requestToVisit: time('request_to_visit'),
          visitToReport: time('visit_to_report'),
          departments,
          months: tables.month.rows.map((r) => ({ month: codeOf('month', r)!, count: r.count as number | null })),
          background: [
            { title: t('stats.keys.requester'), rows: coded('requester') },
            { title: t('stats.keys.sex'), rows: coded('sex') },
            { title: t('stats.keys.residence'), rows: residence },
          ],
          outcomes: coded('outcome'),
          satisfaction: { rows: satisfaction, n: satisfied ? satisfied.n : 0 },
          minCell,
          generatedAt: new Date(),
          timeZone: config.timeZone,
        });
        return { file, contentType: 'application/pdf', filename: `summary-${q.from}-${q.to}.pdf` };
      });
    },

    /**
     * Imports consultations from a CSV file. `all-or-nothing` writes nothing when any line is bad;
     * `skip-invalid` stores the good lines. Rows are named by the line they start on in the file (the header's is 1).
     */
    import(actor: Actor, text: string, mode: 'all-or-nothing' | 'skip-invalid'): Promise<ImportResult> {
      return gate.run(actor, 'stats.import', null, async ({ tx, audit }) => {
        const t = translator(actor.locale);
        const reason = (p: RowProblem): string => t(`stats.import.${p.key}` as 'stats.import.missing', p.params as { column: string });
        const file = parseCsv(text);
        const [header, ...lines] = 'records' in file ? file.records : [];
        const columns = header && columnsOf(header.fields);
        if (!columns) {
          // No CSV, or no header to read it by: nothing can be imported.
          const row = 'brokenAt' in file ? file.brokenAt : (header?.line ?? 1);
          audit.details = { mode, imported: 0, rejected: 1 };
          return { imported: 0, rejected: [{ row, reason: reason('brokenAt' in file ? { key: 'broken', params: { line: row } } : { key: 'header', params: {} }) }] };
        }
        const departments = new Set((await repo.departmentNames(tx)).map((d) => d.code));
        const read = lines.map((r) => readRow(r.fields, columns, departments));
        const live = await repo.liveCaseNumbers(tx, read.flatMap((r) => ('caseNumber' in r ? [r.caseNumber] : [])));
        const seen = new Map<string, number>();
        const good: ImportRow[] = [];
        const rejected: ImportResult['rejected'] = [];
        read.forEach((r, i) => {
          const row = lines[i].line;
          const problem: RowProblem | null = !('caseNumber' in r)
            ? r
            : live.has(r.caseNumber)
              ? { key: 'liveCase', params: { number: r.caseNumber } }
              : seen.has(r.caseNumber)
                ? { key: 'repeated', params: { number: r.caseNumber, line: seen.get(r.caseNumber)! } }
                : null;
          if ('caseNumber' in r && !seen.has(r.caseNumber)) seen.set(r.caseNumber, row);
          if (problem) rejected.push({ row, reason: reason(problem) });
          else good.push(r as ImportRow);
        });
        const write = mode === 'skip-invalid' || rejected.length === 0;
        if (write && good.length) await repo.saveImported(tx, good, (actor.principal as { user: { id: string } }).user.id);
        const imported = write ? good.length : 0;
        audit.details = { mode, imported, rejected: rejected.length };
        return { imported, rejected };
      });
    },
  };
}
export type StatsService = ReturnType<typeof createStatsService>;
