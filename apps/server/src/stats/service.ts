import { parseCsv, type ConsultationStatsQuery, type ImportResult, type Locale, type StatsKey, type StatsTable, type SurveyStatsQuery } from '@kakehashi/core';
import { policyPrincipal, type Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { translator } from '../i18n.ts';
import { toCsv, toXlsx, type ExportTable } from './export.ts';
import { columnsOf, readRow, type ImportRow, type RowProblem } from './import.ts';
import * as repo from './repo.ts';
import { linesOf, suppress } from './suppress.ts';

type Format = 'json' | 'csv' | 'xlsx';
type Period = Pick<SurveyStatsQuery, 'from' | 'to' | 'department' | 'institution' | 'country' | 'language' | 'suppress' | 'minCell' | 'locale'>;
/** A statistics answer: the table, or its export as a file. */
export type StatsAnswer = { table: StatsTable } | { file: Buffer; contentType: string; filename: string };

const percent = (count: number | null, base: number | null) => (count === null || !base ? null : Math.round((count / base) * 1000) / 10);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * Statistics over the facts table (docs/architecture.md, "Statistics"): counts only, never a case's
 * row. A partner member counts only their institution's cases, in the query itself.
 */
export function createStatsService(deps: { gate: Gate<unknown> }) {
  const { gate } = deps;

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
      requester: (v) => t(`cases.requesterTypes.${v}` as 'cases.requesterTypes.patient'),
      sex: (v) => t(`caseTerms.sexes.${v}` as 'caseTerms.sexes.male'),
      residence: (v) => t(`stats.residence.${v}` as 'stats.residence.overseas'),
      stage: (v) => t(`codes.stage.${v}` as 'codes.stage.early'),
      subject: (v) => t(`codes.subject.${v}` as 'codes.subject.treatment'),
      outcome: (v) => t(`codes.outcome.${v}` as 'codes.outcome.new_treatment_view'),
      reason: (v) => t(`codes.reason.${v}` as 'codes.reason.doctor_uncertain'),
      disposition: (v) => t(`codes.disposition.${v}` as 'codes.disposition.treated_here'),
      language: (v) => t(`languages.${v}` as 'languages.ja'),
    };
    return { t, label: (key: StatsKey, v: string | null) => (v === null ? t('stats.notRecorded') : (codes[key]?.(v) ?? v)) };
  }

  async function answer(tx: Db, table: StatsTable, exported: (locale: Locale) => Promise<ExportTable>, format: Format, locale: Locale, name: string): Promise<StatsAnswer> {
    if (format === 'json') return { table };
    const file = await exported(locale);
    if (format === 'csv') return { file: toCsv(file), contentType: 'text/csv; charset=utf-8', filename: `${name}.csv` };
    return { file: await toXlsx(file, name), contentType: XLSX, filename: `${name}.xlsx` };
  }

  return {
    consultations(actor: Actor, q: ConsultationStatsQuery, format: Format): Promise<StatsAnswer> {
      return gate.run(actor, 'stats.read', null, async ({ tx, audit }) => {
        audit.details = { table: 'consultations', by: q.by, from: q.from, to: q.to, format, suppress: q.suppress };
        const counted = await repo.countConsultations(tx, q.by, filterOf(actor, q));
        const lines = linesOf(counted.rows.map((r) => r.keys));
        const { hidden, hiddenLines } = q.suppress ? suppress(counted.rows.map((r) => r.count), lines, q.minCell) : { hidden: new Set<number>(), hiddenLines: new Set<number>() };
        // The last line of `linesOf` is the whole table: its sum is the total.
        const totalHidden = hiddenLines.has(lines.length - 1) || (q.suppress && counted.total > 0 && counted.total < q.minCell);
        const total = totalHidden ? null : counted.total;
        const rows = counted.rows.map((r, i) => {
          const count = hidden.has(i) ? null : r.count;
          return { ...Object.fromEntries(q.by.map((k, j) => [k, r.keys[j]])), count, percent: percent(count, total) };
        });
        const locale = q.locale ?? actor.locale;
        return answer(tx, { rows, total }, async (l) => {
          const { t, label } = await labeller(tx, l);
          return {
            headers: [...q.by.map((k) => t(`stats.keys.${k}`)), t('stats.count'), t('stats.percent')],
            rows: [...rows.map((r) => [...q.by.map((k) => label(k, (r as Record<string, unknown>)[k] as string | null)), r.count, r.percent]), [t('stats.total'), ...q.by.slice(1).map(() => ''), total, null]],
          };
        }, format, locale, `consultations-${q.from}-${q.to}`);
      });
    },

    surveys(actor: Actor, q: SurveyStatsQuery, format: Format): Promise<StatsAnswer> {
      return gate.run(actor, 'stats.read', null, async ({ tx, audit }) => {
        audit.details = { table: 'surveys', from: q.from, to: q.to, format, suppress: q.suppress };
        const counted = await repo.countSurveyAnswers(tx, filterOf(actor, q));
        const questions = ['purpose', 'understanding', 'satisfaction', 'nurse'] as const;
        // Each question's answers are a line whose sum (its N; for the nurse, the answers) could be worked out.
        const lines = questions.map((qn) => counted.rows.flatMap((r, i) => (r.question === qn ? [i] : [])));
        const { hidden, hiddenLines } = q.suppress ? suppress(counted.rows.map((r) => r.count), lines, q.minCell) : { hidden: new Set<number>(), hiddenLines: new Set<number>() };
        const small = (n: number) => q.suppress && n > 0 && n < q.minCell;
        const total = small(counted.n.total) ? null : counted.n.total;
        const rows = counted.rows.map((r, i) => {
          const qi = questions.indexOf(r.question as (typeof questions)[number]);
          const n = hiddenLines.has(qi) || small(counted.n[questions[qi]]) ? null : counted.n[questions[qi]];
          const count = hidden.has(i) ? null : r.count;
          return { question: r.question, answer: r.answer, count, n, percent: percent(count, n) };
        });
        rows.sort((a, b) => questions.indexOf(a.question as never) - questions.indexOf(b.question as never) || a.answer.localeCompare(b.answer));
        const locale = q.locale ?? actor.locale;
        return answer(tx, { rows, total }, async (l) => {
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
    times(actor: Actor, q: SurveyStatsQuery, format: Format): Promise<StatsAnswer> {
      return gate.run(actor, 'stats.read', null, async ({ tx, audit }) => {
        audit.details = { table: 'times', from: q.from, to: q.to, format, suppress: q.suppress };
        const spans = await repo.timeSpans(tx, filterOf(actor, q));
        // For publication a figure over fewer than minCell cases is left out, as a small cell would be.
        const rows = spans.map((r) => (q.suppress && r.n > 0 && r.n < q.minCell ? { ...r, n: null, median: null, p90: null } : r));
        return answer(tx, { rows, total: null }, async (l) => {
          const t = translator(l);
          return {
            headers: [t('stats.measure'), t('stats.n'), t('stats.median'), t('stats.p90')],
            rows: rows.map((r) => [t(`stats.measures.${r.measure}` as 'stats.measures.request_to_visit'), r.n, r.median, r.p90]),
          };
        }, format, q.locale ?? actor.locale, `times-${q.from}-${q.to}`);
      });
    },

    /**
     * Imports consultations from a CSV file. `all-or-nothing` writes nothing when any line is bad;
     * `skip-invalid` stores the good lines. Lines are numbered as in the file (the header is 1).
     */
    import(actor: Actor, text: string, mode: 'all-or-nothing' | 'skip-invalid'): Promise<ImportResult> {
      return gate.run(actor, 'stats.import', null, async ({ tx, audit }) => {
        const t = translator(actor.locale);
        const reason = (p: RowProblem): string => t(`stats.import.${p.key}` as 'stats.import.missing', p.params as { column: string });
        const [header = [], ...lines] = parseCsv(text);
        const columns = columnsOf(header);
        if (!columns) {
          audit.details = { mode, imported: 0, rejected: 1 };
          return { imported: 0, rejected: [{ row: 1, reason: reason({ key: 'header', params: {} }) }] };
        }
        const departments = new Set((await repo.departmentNames(tx)).map((d) => d.code));
        const read = lines.map((fields) => readRow(fields, columns, departments));
        const live = await repo.liveCaseNumbers(tx, read.flatMap((r) => ('caseNumber' in r ? [r.caseNumber] : [])));
        const seen = new Map<string, number>();
        const good: ImportRow[] = [];
        const rejected: ImportResult['rejected'] = [];
        read.forEach((r, i) => {
          const row = i + 2;
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
