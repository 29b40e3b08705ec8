import type { Locale } from '@kakehashi/core';

/** A moment as people read it, in one time zone, naming the zone: Asia/Tokyo and Asia/Shanghai differ by an hour. */
export function formatInZone(when: Date, locale: Locale, timeZone: string): string {
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', timeZone }).format(when);
  return `${text} (${timeZone})`;
}
