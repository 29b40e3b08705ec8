import { describe, expect, it } from 'vitest';
import { expectFaithful, HOSTILE_NAMES, parseWithIcalJs, parseWithPython } from '../../test/ical.ts';
import { buildCalendar, type CalendarEvent } from './calendar.ts';

function buildEvent(method: CalendarEvent['method'], names: string[]): CalendarEvent {
  return {
    method,
    uid: 'visit-1@kakehashi',
    sequence: method === 'CANCEL' ? 3 : 0,
    start: new Date('2026-11-25T01:00:00Z'),
    end: new Date('2026-11-25T02:00:00Z'),
    summary: 'Kakehashi video consultation SO-2026-0001',
    description: 'https://meeting.example.org/j/1\nhttps://kakehashi.example.org/portal',
    url: 'https://meeting.example.org/j/1',
    organizer: { name: 'Thoracic "Medical" Oncology', email: 'no-reply@example.org' },
    attendees: names.map((name, i) => ({ name, email: `person${i}@example.org` })),
  };
}

describe('calendar invitations', () => {
  for (const method of ['REQUEST', 'CANCEL'] as const) {
    const event = buildEvent(method, HOSTILE_NAMES);

    it(`keep every name of a ${method} intact for ical.js, and let no name add an address`, () => {
      expectFaithful(parseWithIcalJs(buildCalendar(event)), event);
    });

    // The test command installs python3-icalendar; without it this fails and says what to install.
    it(`keep every name of a ${method} intact for Python's icalendar, and let no name add an address`, () => {
      expectFaithful(parseWithPython(buildCalendar(event)), event);
    });
  }

  it('write quotes, carets and line breaks in names as RFC 6868 does', () => {
    const ics = buildCalendar(buildEvent('REQUEST', ['Tony "T" 王', 'a^b', 'one\r\ntwo']));
    const unfolded = ics.replace(/\r\n[ \t]/g, '');
    expect(unfolded).toContain(`CN="Tony ^'T^' 王"`);
    expect(unfolded).toContain('CN="a^^b"');
    expect(unfolded).toContain('CN="one^ntwo"');
  });
});
