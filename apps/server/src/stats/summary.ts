import type { Locale } from '@kakehashi/core';
import { translator } from '../i18n.ts';
import { A4, COLOR, CONTENT_WIDTH, formatMoment, MARGIN, SIZE, Writer, type Letterhead } from '../pdf/writer.ts';

/*
 * The one-page summary of a period for the hospital's own annual report (GET /stats/summary): the
 * key figures, consultations by department and by month, who asked, the outcomes and the survey's
 * satisfaction, drawn with pdfkit's rectangles (no chart library). Pure: the service gives it the
 * counts, labelled in the document's language.
 */

/** A line of a table as the summary draws it: its label, count and share (null: suppressed). */
export interface SummaryRow {
  label: string;
  count: number | null;
  percent: number | null;
}

export interface SummaryInput {
  locale: Locale;
  letterhead: Letterhead;
  from: string;
  to: string;
  /** The filters asked for (or a partner member's institution), translated: label and value. */
  filters: [string, string][];
  /** Consultations counted in the period (null: suppressed). */
  total: number | null;
  /** Consultations of patients living abroad. */
  overseas: { count: number | null; percent: number | null };
  surveys: number | null;
  /** Median days from request to visit, and from visit to report, over n consultations. */
  requestToVisit: { n: number | null; median: number | null };
  visitToReport: { n: number | null; median: number | null };
  /** By department, the largest first. */
  departments: SummaryRow[];
  /** Counted months ('YYYY-MM'); a month of the period without consultations is absent. */
  months: { month: string; count: number | null }[];
  /** Who asked: a titled list each (requester, sex, residence). */
  background: { title: string; rows: SummaryRow[] }[];
  outcomes: SummaryRow[];
  satisfaction: { rows: SummaryRow[]; n: number | null };
  /** The smallest count shown when small cells were blanked (suppress=true); null when nothing was. */
  minCell: number | null;
  generatedAt: Date;
  timeZone: string;
}

/** Departments listed one by one (fewer when the page has less room); the rest share a line. */
const TOP_DEPARTMENTS = 10;
/** Up to this many months a bar each; a longer period a bar per year. */
const MONTHLY_UP_TO = 24;
const DASH = '—';
const ROW = SIZE.small - 0.5;
/** The count and share columns' width, at the right of a table. */
const NUMBERS = 62;
const BAR = { fill: '#4a78a8', light: '#c9d6e3' };

const day = (date: string, locale: Locale) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

/** The months (or years) of the period, each with its count: absent is 0, a suppressed month makes its year unknown. */
function buckets(from: string, to: string, months: SummaryInput['months']): { key: string; count: number | null }[] {
  const counts = new Map(months.map((m) => [m.month, m.count]));
  const all: string[] = [];
  for (let y = Number(from.slice(0, 4)), m = Number(from.slice(5, 7)); `${y}-${String(m).padStart(2, '0')}` <= to.slice(0, 7); m === 12 ? (y++, (m = 1)) : m++) {
    all.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  if (all.length <= MONTHLY_UP_TO) return all.map((key) => ({ key, count: counts.has(key) ? counts.get(key)! : 0 }));
  const years = new Map<string, number | null>();
  for (const key of all) {
    const year = key.slice(0, 4);
    const count = counts.has(key) ? counts.get(key)! : 0;
    const sum = years.has(year) ? years.get(year)! : 0;
    years.set(year, sum === null || count === null ? null : sum + count);
  }
  return [...years].map(([key, count]) => ({ key, count }));
}

/** The summary as a one-page A4 PDF in `input.locale`. */
export async function renderStatsSummary(input: SummaryInput): Promise<Buffer> {
  const { locale } = input;
  const t = translator(locale);
  const period = t('stats.summary.period', { from: day(input.from, locale), to: day(input.to, locale) });
  const w = new Writer(locale, { title: `${t('stats.summary.title')} ${period}`, author: input.letterhead.name, subject: t('stats.summary.title'), created: input.generatedAt });
  const { doc } = w;
  const number = new Intl.NumberFormat(locale);
  const share = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const count = (n: number | null) => (n === null ? DASH : number.format(n));
  const percent = (p: number | null) => (p === null ? DASH : `${share.format(p)}%`);
  const left = MARGIN.left;

  /** A section's title over the width at (x, y), with a thin rule; returns the y below it. */
  function section(title: string, x: number, y: number, width: number): number {
    w.text(title, { weight: 'bold', size: SIZE.body - 0.5, color: COLOR.accent, x, y, width, gap: 0 });
    const below = doc.y + 2;
    doc.save().moveTo(x, below).lineTo(x + width, below).lineWidth(0.6).strokeColor(COLOR.accent).stroke().restore();
    return below + 4;
  }

  const labelWidth = (width: number, bars: boolean) => width - NUMBERS - (bars ? Math.min(40, width * 0.22) + 6 : 0);
  const rowHeight = (row: SummaryRow, width: number, bars: boolean) => Math.max(w.heightOf(row.label, ROW, 'regular', labelWidth(width, bars), 0.5), ROW + 2) + 2;
  const listHeight = (rows: SummaryRow[], width: number, bars = false) => rows.reduce((sum, row) => sum + rowHeight(row, width, bars), 0);
  const sectionHeight = (title: string, width: number) => w.heightOf(title, SIZE.body - 0.5, 'bold', width, 0) + 6;

  /** Label, count and share per line (the label wraps), with a bar when `bars` is the largest count; returns the y below. */
  function list(rows: SummaryRow[], x: number, y: number, width: number, bars?: number): number {
    const barWidth = bars ? Math.min(40, width * 0.22) : 0;
    const textWidth = labelWidth(width, !!bars);
    for (const row of rows) {
      w.text(row.label, { size: ROW, x, y, width: textWidth, gap: 0.5 });
      if (bars && row.count) doc.save().rect(x + textWidth + 4, y + 2, Math.max(0.8, (barWidth * row.count) / bars), ROW - 1).fill(BAR.fill).restore();
      w.text(count(row.count), { size: ROW, x: x + width - NUMBERS, y, width: 26, align: 'right', gap: 0 });
      w.text(percent(row.percent), { size: ROW, color: COLOR.muted, x: x + width - 34, y, width: 34, align: 'right', gap: 0 });
      y += rowHeight(row, width, !!bars);
    }
    return y;
  }

  w.letterhead(input.letterhead);
  const top = doc.y - 6;
  w.text(t('stats.summary.title'), { weight: 'bold', size: 15, x: left, y: top, gap: 2 });
  w.text(period, { weight: 'bold', color: COLOR.accent, gap: 2 });
  const filters = input.filters.length ? input.filters.map(([label, value]) => t('stats.summary.filter', { label, value })).join(' · ') : t('stats.summary.allConsultations');
  w.text(input.minCell === null ? filters : `${filters} · ${t('stats.summary.suppressed', { minCell: input.minCell })}`, { size: SIZE.small, color: COLOR.muted, gap: 1 });
  let y = doc.y + 8;

  if (input.total === 0) {
    doc.x = left;
    doc.y = y;
    w.notice(t('stats.summary.empty'));
  } else {
    // Key figures: a shaded box each, the figure large above its label.
    const days = (m: { median: number | null }) => (m.median === null ? DASH : t('stats.summary.days', { count: m.median }));
    const over = (n: number | null) => (n ? t('stats.summary.over', { count: n }) : '');
    const figures: [string, string, string][] = [
      [count(input.total), t('stats.summary.counted'), ''],
      [percent(input.overseas.percent), t('stats.summary.overseas'), input.overseas.count === null ? '' : t('stats.summary.consultations', { count: input.overseas.count })],
      [count(input.surveys), t('stats.summary.surveys'), ''],
      [days(input.requestToVisit), t('stats.summary.requestToVisit'), over(input.requestToVisit.n)],
      [days(input.visitToReport), t('stats.summary.visitToReport'), over(input.visitToReport.n)],
    ];
    const gap = 6;
    const boxWidth = (CONTENT_WIDTH - gap * (figures.length - 1)) / figures.length;
    const pad = 6;
    const boxHeight = Math.max(...figures.map(([, label, note]) => 22 + w.heightOf(label, ROW, 'regular', boxWidth - 2 * pad, 0.5) + (note ? w.heightOf(note, ROW - 0.5, 'regular', boxWidth - 2 * pad, 0) : 0))) + 2 * pad;
    figures.forEach(([value, label, note], i) => {
      const x = left + i * (boxWidth + gap);
      doc.save().rect(x, y, boxWidth, boxHeight).fill(COLOR.notice).restore();
      doc.save().rect(x, y, boxWidth, 2).fill(COLOR.accent).restore();
      w.text(value, { weight: 'bold', size: 15, color: COLOR.accent, x: x + pad, y: y + pad, width: boxWidth - 2 * pad, gap: 0 });
      w.text(label, { size: ROW, x: x + pad, y: y + pad + 22, width: boxWidth - 2 * pad, gap: 0.5 });
      if (note) w.text(note, { size: ROW - 0.5, color: COLOR.muted, x: x + pad, width: boxWidth - 2 * pad, gap: 0 });
    });
    y += boxHeight + 12;

    // What comes below the departments and months, measured first: the departments take the room left.
    const columnGap = 16;
    const columnWidth = (CONTENT_WIDTH - 2 * columnGap) / 3;
    const outcomesWidth = CONTENT_WIDTH * 0.55;
    const satisfactionX = left + outcomesWidth + columnGap;
    const satisfactionWidth = CONTENT_WIDTH - outcomesWidth - columnGap;
    const backgroundHeight = sectionHeight(t('stats.summary.background'), CONTENT_WIDTH) + Math.max(...input.background.map((b) => w.heightOf(b.title, ROW, 'bold', columnWidth, 0) + 3 + listHeight(b.rows, columnWidth))) + 10;
    const outcomesHeight = Math.max(
      sectionHeight(t('stats.summary.outcomes'), outcomesWidth) + listHeight(input.outcomes, outcomesWidth) + 1 + w.heightOf(t('stats.summary.outcomesNote'), ROW - 1, 'regular', outcomesWidth, 0.5),
      sectionHeight(t('stats.summary.satisfaction'), satisfactionWidth) + listHeight(input.satisfaction.rows, satisfactionWidth, true) + 1 + ROW,
    );
    const line = ROW + 4.5;
    const tableWidth = CONTENT_WIDTH * 0.56;
    const room = A4.height - MARGIN.bottom - y - backgroundHeight - outcomesHeight - sectionHeight(t('stats.summary.byDepartment'), tableWidth) - (ROW + 2) - 10 - 8;
    // Lines for departments besides the total: at most TOP_DEPARTMENTS and "others", at least two.
    const lines = Math.max(2, Math.min(TOP_DEPARTMENTS + 1, Math.floor(room / line) - 1));

    // By department (left): the largest first, a bar each; past the lines that fit, the rest on one line.
    let below = section(t('stats.summary.byDepartment'), left, y, tableWidth);
    const rest = input.departments.length > lines ? input.departments.slice(lines - 1) : [];
    const named = rest.length ? input.departments.slice(0, lines - 1) : input.departments;
    const sum = (rows: SummaryRow[], key: 'count' | 'percent') => (rows.some((r) => r[key] === null) ? null : Math.round(rows.reduce((s, r) => s + r[key]!, 0) * 10) / 10);
    const others = rest.length ? { label: t('stats.summary.others', { count: rest.length }), count: sum(rest, 'count'), percent: sum(rest, 'percent') } : null;
    const nameWidth = 112;
    const barX = left + nameWidth + 6;
    const barMax = tableWidth - nameWidth - 6 - NUMBERS - 4;
    const largest = Math.max(1, ...[...named, ...(others ? [others] : [])].map((r) => r.count ?? 0));
    const draw = (row: SummaryRow, kind: 'named' | 'others' | 'total') => {
      const weight = kind === 'total' ? 'bold' : 'regular';
      w.text(w.fit(row.label, nameWidth, ROW, weight), { size: ROW, weight, x: left, y: below, width: nameWidth + 20, gap: 0 });
      if (kind !== 'total' && row.count) doc.save().rect(barX, below + 1.5, Math.max(0.8, (barMax * row.count) / largest), ROW - 0.5).fill(kind === 'others' ? BAR.light : BAR.fill).restore();
      w.text(count(row.count), { size: ROW, weight, x: left + tableWidth - NUMBERS, y: below, width: 28, align: 'right', gap: 0 });
      w.text(percent(row.percent), { size: ROW, color: COLOR.muted, x: left + tableWidth - 34, y: below, width: 34, align: 'right', gap: 0 });
      below += line;
    };
    const head = (x: number, text: string, width: number, align: 'left' | 'right') => w.text(text, { size: ROW - 1, color: COLOR.muted, x, y: below, width, align, gap: 0 });
    head(left, t('stats.keys.department'), nameWidth, 'left');
    head(left + tableWidth - NUMBERS, t('stats.count'), 28, 'right');
    head(left + tableWidth - 34, '%', 34, 'right');
    below += ROW + 2;
    for (const row of named) draw(row, 'named');
    if (others) draw(others, 'others');
    doc.save().moveTo(left, below - 1.5).lineTo(left + tableWidth, below - 1.5).lineWidth(0.4).strokeColor(COLOR.rule).stroke().restore();
    draw({ label: t('stats.total'), count: input.total, percent: input.total === null ? null : 100 }, 'total');

    // By month or year (right): a column each, its count above when there is room, the months (and the year at each January) below.
    const chartX = left + tableWidth + columnGap;
    const chartWidth = CONTENT_WIDTH - tableWidth - columnGap;
    const bars = buckets(input.from, input.to, input.months);
    const monthly = bars[0]?.key.length === 7;
    const chartTop = section(t(monthly ? 'stats.summary.byMonth' : 'stats.summary.byYear'), chartX, y, chartWidth);
    const slot = chartWidth / bars.length;
    const barWidth = Math.min(slot * 0.7, 22);
    const highest = Math.max(1, ...bars.map((b) => b.count ?? 0));
    // The months' (and years') labels below the axis; the bars as tall as the table beside them.
    const labels = monthly ? 2 * ROW + 4 : ROW + 4;
    const base = Math.max(chartTop + 30, below - labels);
    const chartHeight = base - chartTop - ROW - 4;
    const values = slot >= 15;
    // Labels no closer than their width: every n-th when the slots are narrow.
    const labelStep = Math.max(1, Math.ceil((monthly ? 11 : 22) / slot));
    bars.forEach((b, i) => {
      const x = chartX + i * slot + (slot - barWidth) / 2;
      const height = b.count === null ? 0 : (chartHeight * b.count) / highest;
      if (b.count) doc.save().rect(x, base - height, barWidth, height).fill(BAR.fill).restore();
      const centre = chartX + i * slot + slot / 2;
      if (values) w.text(count(b.count), { size: ROW - 1.5, color: COLOR.muted, x: centre - 15, y: base - height - ROW, width: 30, align: 'center', gap: 0 });
      const label = monthly ? String(Number(b.key.slice(5))) : b.key;
      if (i % labelStep === 0) w.text(label, { size: ROW - 1, color: COLOR.muted, x: centre - 15, y: base + 2, width: 30, align: 'center', gap: 0 });
      if (monthly && (i === 0 || b.key.endsWith('-01'))) w.text(b.key.slice(0, 4), { size: ROW - 1, weight: 'bold', color: COLOR.muted, x: chartX + i * slot, y: base + ROW + 1, width: 40, gap: 0 });
    });
    doc.save().moveTo(chartX, base).lineTo(chartX + chartWidth, base).lineWidth(0.6).strokeColor(COLOR.rule).stroke().restore();
    y = Math.max(below, base + labels) + 10;

    // Who asked: three lists side by side.
    y = section(t('stats.summary.background'), left, y, CONTENT_WIDTH);
    below = y;
    input.background.forEach((b, i) => {
      const x = left + i * (columnWidth + columnGap);
      w.text(b.title, { weight: 'bold', size: ROW, x, y, width: columnWidth, gap: 0 });
      below = Math.max(below, list(b.rows, x, doc.y + 3, columnWidth));
    });
    y = below + 10;

    // Outcomes on the left, satisfaction on the right.
    let outcomesY = list(input.outcomes, left, section(t('stats.summary.outcomes'), left, y, outcomesWidth), outcomesWidth);
    w.text(t('stats.summary.outcomesNote'), { size: ROW - 1, color: COLOR.muted, x: left, y: outcomesY + 1, width: outcomesWidth, gap: 0.5 });
    outcomesY = doc.y;
    const satisfactionY = section(t('stats.summary.satisfaction'), satisfactionX, y, satisfactionWidth);
    const answered = list(input.satisfaction.rows, satisfactionX, satisfactionY, satisfactionWidth, Math.max(1, ...input.satisfaction.rows.map((r) => r.count ?? 0)));
    w.text(input.satisfaction.n === null ? DASH : t('stats.summary.answers', { count: input.satisfaction.n }), { size: ROW - 1, color: COLOR.muted, x: satisfactionX, y: answered + 1, width: satisfactionWidth, gap: 0 });
    doc.y = Math.max(outcomesY, doc.y);
  }

  w.footers(t('stats.summary.generated', { date: formatMoment(input.generatedAt.toISOString(), locale, input.timeZone) }));
  return w.end();
}
