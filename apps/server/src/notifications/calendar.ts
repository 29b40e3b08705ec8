import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

export interface CalendarEvent {
  method: 'REQUEST' | 'CANCEL';
  /** Stable across changes of one visit, so calendars update the event instead of adding one. */
  uid: string;
  /** Grows with every change (RFC 5545 §3.8.7.4). */
  sequence: number;
  start: Date;
  end: Date;
  summary: string;
  description: string;
  url: string | null;
  organizer: { name: string; email: string };
  attendees: { name: string; email: string }[];
}

/**
 * A name as an iCalendar parameter value (RFC 6868). A quoted parameter cannot hold a DQUOTE or a
 * line break: written as is, a name could end the quotes and add parameters or an address of its
 * own. RFC 6868 writes `^` as `^^`, `"` as `^'` and a line break as `^n`; other control characters,
 * which a parameter value cannot hold at all, are dropped.
 */
export function paramText(value: string): string {
  return value
    .replace(/\^/g, '^^')
    .replace(/"/g, "^'")
    .replace(/\r\n|\r|\n/g, '^n')
    .replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
}

/**
 * An iCalendar invitation. Times are written in UTC (`…Z`): unambiguous, and every calendar shows
 * them in its own time zone — a TZID without a VTIMEZONE block would not be.
 */
export function buildCalendar(e: CalendarEvent): string {
  const calendar = ical({
    prodId: { company: 'Kakehashi', product: 'Kakehashi', language: 'EN' },
    method: e.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  calendar.createEvent({
    id: e.uid,
    sequence: e.sequence,
    start: e.start,
    end: e.end,
    stamp: new Date(),
    summary: e.summary,
    description: e.description,
    url: e.url ?? undefined,
    location: e.url ?? undefined,
    status: e.method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: { ...e.organizer, name: paramText(e.organizer.name) },
    attendees: e.attendees.map((a) => ({ ...a, name: paramText(a.name), rsvp: false })),
  });
  return calendar.toString();
}
