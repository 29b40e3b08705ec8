/**
 * Wall times in a named IANA time zone, with Intl only (no date library).
 *
 * The hospital enters times in its own zone (Asia/Tokyo) while the patient reads them in theirs
 * (Asia/Shanghai), so every time the scheduling screens show names its zone, and every time they
 * send is an ISO instant with the offset that zone had at that moment.
 */

const partsCache = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    partsCache.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const pad = (n: number) => String(n).padStart(2, '0');

export interface ZonedParts {
  /** YYYY-MM-DD on the wall calendar of the zone. */
  date: string;
  /** HH:MM (24 h) on the wall clock of the zone. */
  time: string;
  /** 1 = Monday … 7 = Sunday, as the server counts weekdays. */
  weekday: number;
}

function fields(ms: number, timeZone: string) {
  const p: Record<string, string> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(ms))) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    // Some engines still write midnight as 24 with h23.
    hour: Number(p.hour) % 24,
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: WEEKDAYS.indexOf(p.weekday) + 1,
  };
}

/** The zone's offset from UTC in minutes at an instant (Tokyo: +540, New York in winter: -300). */
export function offsetMinutes(ms: number, timeZone: string): number {
  const f = fields(ms, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** Date, time and weekday of an instant on the wall clock of a zone. */
export function zonedParts(instant: string | Date, timeZone: string): ZonedParts {
  const ms = typeof instant === 'string' ? new Date(instant).getTime() : instant.getTime();
  const f = fields(ms, timeZone);
  return { date: `${f.year}-${pad(f.month)}-${pad(f.day)}`, time: `${pad(f.hour)}:${pad(f.minute)}`, weekday: f.weekday };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * The instant at which the wall clock of `timeZone` shows `date` (YYYY-MM-DD) `time` (HH:MM),
 * as an ISO string with that zone's offset, e.g. 2026-12-03T15:00:00+09:00. Null when the date
 * or time is not valid.
 *
 * Daylight saving is resolved like Temporal's "compatible" choice: a time that happens twice
 * (clocks go back) is the earlier one; a time that never happens (clocks go forward) moves
 * forward by the gap, so 02:30 on the night New York springs forward becomes 03:30.
 */
export function wallTimeToInstant(date: string, time: string, timeZone: string): string | null {
  const d = DATE_RE.exec(date);
  const t = TIME_RE.exec(time);
  if (!d || !t) return null;
  const [y, mo, da] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const wall = Date.UTC(y, mo - 1, da, Number(t[1]), Number(t[2]));
  const check = new Date(wall);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== da) return null;
  try {
    partsFormatter(timeZone);
  } catch {
    return null;
  }

  // The offsets a day either side cover any single transition near this wall time.
  const before = offsetMinutes(wall - 86_400_000, timeZone);
  const after = offsetMinutes(wall + 86_400_000, timeZone);
  const candidates = [...new Set([before, after])]
    .map((off) => ({ off, ms: wall - off * 60_000 }))
    .filter((c) => offsetMinutes(c.ms, timeZone) === c.off)
    .sort((a, b) => a.ms - b.ms);
  // In a gap, the offset in force before it carries the wall time past the jump.
  const chosen = candidates[0] ?? { ms: wall - before * 60_000, off: after };
  const parts = zonedParts(new Date(chosen.ms), timeZone);
  return `${parts.date}T${parts.time}:00${formatOffset(offsetMinutes(chosen.ms, timeZone))}`;
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function displayFormatter(locale: string, timeZone: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${withDate}`;
  let f = fmtCache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      ...(withDate ? { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' } : {}),
    } as Intl.DateTimeFormatOptions);
    fmtCache.set(key, f);
  }
  return f;
}

/**
 * A span of time as read in one zone: "Thu, Dec 3, 2026, 15:00–16:00" (date, weekday, 24-hour
 * times in the viewer's language), or "15:00–16:00" without the date. The end's date is added
 * when it falls on another day there. The zone itself is named by the caller.
 */
export function formatSpanInZone(startIso: string, endIso: string | null, timeZone: string, locale: string, withDate = true): string {
  const start = new Date(startIso);
  const head = displayFormatter(locale, timeZone, withDate).format(start);
  if (!endIso) return head;
  const end = new Date(endIso);
  const sameDay = zonedParts(start, timeZone).date === zonedParts(new Date(end.getTime() - 1), timeZone).date;
  const tail = displayFormatter(locale, timeZone, !sameDay).format(end);
  return `${head}–${tail}`;
}

const dateCache = new Map<string, Intl.DateTimeFormat>();
/** The calendar date of an instant in a zone, with its weekday: "Thu, Dec 3, 2026", "2026年12月3日(木)". */
export function formatDateInZone(iso: string, timeZone: string, locale: string): string {
  const key = `${locale}|${timeZone}`;
  let f = dateCache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
    dateCache.set(key, f);
  }
  return f.format(new Date(iso));
}

/** Whether an instant falls on the same calendar day in two zones. */
export function sameDayIn(iso: string, a: string, b: string): boolean {
  return zonedParts(iso, a).date === zonedParts(iso, b).date;
}

/** Today's date (YYYY-MM-DD) on the wall calendar of a zone. */
export function todayInZone(timeZone: string, now: Date = new Date()): string {
  return zonedParts(now, timeZone).date;
}

/** Every IANA zone the browser knows, with `ensure` added when missing (e.g. UTC). */
export function timeZoneNames(ensure: readonly string[] = []): string[] {
  let all: string[] = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = [];
  }
  const set = new Set(all);
  for (const z of ensure) if (z) set.add(z);
  return [...set].sort();
}
