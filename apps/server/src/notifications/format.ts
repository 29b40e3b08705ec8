import { timeZoneName, type Locale } from '@kakehashi/core';

/**
 * A moment as people read it, in one time zone, naming the zone in words and by its IANA name:
 * Asia/Tokyo and Asia/Shanghai differ by an hour, and patients mix them up.
 */
export function formatInZone(when: Date, locale: Locale, timeZone: string): string {
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', timeZone }).format(when);
  return `${text} ${timeZoneName(timeZone, locale, when)} (${timeZone})`;
}
