import { useTranslation } from 'react-i18next';
import { timeZoneName } from '@kakehashi/core';

/** The browser's IANA time zone, e.g. Asia/Tokyo. All times are shown in it. */
export const timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, kind: 'dateTime' | 'date'): Intl.DateTimeFormat {
  const key = `${locale}|${kind}`;
  let f = cache.get(key);
  if (!f) {
    f =
      kind === 'dateTime'
        ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone })
        : // A calendar date (YYYY-MM-DD) has no zone: format it as-is.
          new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    cache.set(key, f);
  }
  return f;
}

/** Formats an ISO timestamp in the viewer's time zone. */
export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : formatter(locale, 'dateTime').format(d);
}

/** Formats a calendar date (YYYY-MM-DD) without shifting it across zones. */
export function formatDate(date: string | null | undefined, locale: string): string {
  if (!date) return '';
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? date : formatter(locale, 'date').format(d);
}

/** Formats an amount of money, e.g. ¥110,000; falls back to "110000 XYZ" for an unknown currency. */
export function formatMoney(amount: number | null | undefined, currency: string | null | undefined, locale: string): string {
  if (amount === null || amount === undefined) return '';
  if (!currency) return String(amount);
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

const BYTE_UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** A size as people read it, in the language's words (steps of 1024, as the server's limits; 0.2 kB, never "200 byte"). */
export function formatBytes(bytes: number, locale: string): string {
  let n = bytes / 1024;
  let i = 0;
  while (n >= 1024 && i < BYTE_UNITS.length - 1) {
    n /= 1024;
    i += 1;
  }
  return new Intl.NumberFormat(locale, { style: 'unit', unit: BYTE_UNITS[i], unitDisplay: 'short', maximumFractionDigits: n < 10 ? 1 : 0 }).format(n);
}

/** A time left, rounded as a person would say it: 40 s, 5 min, 2 h 10 min (in the language's words). */
export function formatDuration(seconds: number, locale: string): string {
  const unit = (value: number, u: 'second' | 'minute' | 'hour') => new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short' }).format(value);
  if (seconds < 60) return unit(Math.max(5, Math.round(seconds / 5) * 5), 'second');
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return unit(minutes, 'minute');
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${unit(h, 'hour')} ${unit(m, 'minute')}` : unit(h, 'hour');
}

/** Formats dates, money, sizes and durations with the current UI language. */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  return {
    dateTime: (iso: string | null | undefined) => formatDateTime(iso, locale),
    date: (d: string | null | undefined) => formatDate(d, locale),
    money: (amount: number | null | undefined, currency: string | null | undefined) => formatMoney(amount, currency, locale),
    bytes: (n: number) => formatBytes(n, locale),
    duration: (seconds: number) => formatDuration(seconds, locale),
  };
}

/**
 * Names time zones in the UI language as people say them (日本標準時, 北京时间, "China Standard
 * Time"); show the IANA name beside it, small, since that is what calendars and settings use.
 */
export function useZoneName() {
  const { i18n } = useTranslation();
  return (zone: string, at?: Date) => timeZoneName(zone, i18n.language, at);
}

/** A DICOM date (YYYYMMDD) as an ISO date, for the page's date format. */
export const dicomDate = (d: string | null) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : null);
