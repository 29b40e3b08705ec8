/**
 * A period split into the whole months the roll-ups count (`consultation_rollups`) and the days at
 * its edges that only the facts can count (docs/architecture.md, "Statistics"). Days are
 * 'YYYY-MM-DD', months 'YYYY-MM'; any year from 0000 to 9999.
 */
export interface PeriodParts {
  /** The first and last whole month inside the period, or null when it holds none. */
  months: [string, string] | null;
  /** Day ranges [from, to] outside those months (none, one or two). */
  edges: [string, string][];
}

const leap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
/** Months since year 0 (January of year 0 is 0). */
const indexOf = (day: string) => Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;
const daysIn = (index: number) => [31, leap(Math.floor(index / 12)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][index % 12];
const monthText = (index: number) => `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;

export function splitPeriod(from: string, to: string): PeriodParts {
  const startsMonth = from.endsWith('-01');
  const endsMonth = Number(to.slice(8, 10)) === daysIn(indexOf(to));
  const first = indexOf(from) + (startsMonth ? 0 : 1);
  const last = indexOf(to) - (endsMonth ? 0 : 1);
  if (first > last) return { months: null, edges: [[from, to]] };
  const edges: [string, string][] = [];
  if (!startsMonth) edges.push([from, `${monthText(indexOf(from))}-${daysIn(indexOf(from))}`]);
  if (!endsMonth) edges.push([`${monthText(indexOf(to))}-01`, to]);
  return { months: [monthText(first), monthText(last)], edges };
}
