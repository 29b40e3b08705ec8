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
    organizer: e.organizer,
    attendees: e.attendees.map((a) => ({ ...a, rsvp: false })),
  });
  return calendar.toString();
}
