import { spawnSync } from 'node:child_process';
import ICAL from 'ical.js';
import { expect } from 'vitest';

/** A calendar address as a parser read it: the address and the CN (display name) parameter. */
export interface ParsedAddress {
  address: string;
  name: string | null;
  /** Names of every parameter the parser found, so an injected one (`X=…`) shows. */
  params: string[];
}

/** What a calendar should say. */
export interface Expected {
  method: string;
  organizer: { name: string; email: string };
  attendees: { name: string; email: string }[];
}

export interface ParsedCalendar {
  method: string | null;
  organizer: ParsedAddress | null;
  attendees: ParsedAddress[];
  /** Every value or parameter that contains `mailto:`, outside the names (CN) and the free text (DESCRIPTION). */
  mailtos: string[];
}

const normalise = (address: string) => address.replace(/^mailto:/i, '').toLowerCase();

/** Parses with npm's ical.js (which decodes RFC 6868 parameter values itself). */
export function parseWithIcalJs(ics: string): ParsedCalendar {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const event = calendar.getFirstSubcomponent('vevent');
  if (!event) throw new Error('no VEVENT');
  const mailtos: string[] = [];
  const read = (p: ICAL.Property): ParsedAddress => {
    const [, params] = p.toJSON() as [string, Record<string, unknown>, string, string];
    for (const [key, value] of Object.entries(params)) if (key !== 'cn' && String(value).toLowerCase().includes('mailto:')) mailtos.push(String(value));
    return { address: normalise(String(p.getFirstValue())), name: (p.getParameter('cn') as string | undefined) ?? null, params: Object.keys(params).map((k) => k.toUpperCase()) };
  };
  const organizer = event.getFirstProperty('organizer');
  const attendees = event.getAllProperties('attendee').map(read);
  for (const p of event.getAllProperties()) {
    if (['attendee', 'organizer', 'description'].includes(p.name)) continue;
    for (const v of p.getValues()) if (String(v).toLowerCase().includes('mailto:')) mailtos.push(String(v));
  }
  return { method: (calendar.getFirstPropertyValue('method') as string | null) ?? null, organizer: organizer ? read(organizer) : null, attendees, mailtos };
}

// Debian 12 ships icalendar 4.0.3, which predates RFC 6868: the script decodes ^^, ^' and ^n itself
// when the library did not (checked on a sample), as an RFC 6868 calendar client would.
const PYTHON_SCRIPT = String.raw`
import json, re, sys
import icalendar

def decode_needed():
    sample = b'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN="a^\'b":mailto:a@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n'
    event = icalendar.Calendar.from_ical(sample).walk('VEVENT')[0]
    return event['ATTENDEE'].params['CN'] != 'a"b'

DECODE = decode_needed()

def rfc6868(value):
    if not DECODE:
        return value
    return re.sub(r"\^(\^|'|n)", lambda m: {'^': '^', "'": '"', 'n': '\n'}[m.group(1)], value)

def address(prop):
    params = dict(prop.params)
    return {
        'address': str(prop),
        'name': rfc6868(params['CN']) if 'CN' in params else None,
        'params': sorted(params.keys()),
        'extra': [str(v) for k, v in params.items() if k != 'CN'],
    }

calendar = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
errors = [e for c in calendar.walk() for e in getattr(c, 'errors', [])]
events = calendar.walk('VEVENT')
event = events[0]
attendees = event.get('ATTENDEE', [])
if not isinstance(attendees, list):
    attendees = [attendees]
organizer = event.get('ORGANIZER')
others = [str(v) for k, v in event.property_items() if k not in ('ATTENDEE', 'ORGANIZER', 'DESCRIPTION')]
print(json.dumps({
    'errors': [str(e) for e in errors],
    'method': str(calendar.get('METHOD')) if calendar.get('METHOD') else None,
    'organizer': address(organizer) if organizer is not None else None,
    'attendees': [address(a) for a in attendees],
    'others': others,
}))
`;

/** The first Python that has the icalendar module (Debian's python3-icalendar), or null. */
const pythonWithIcalendar: string | null =
  ['/usr/bin/python3', 'python3'].find((bin) => spawnSync(bin, ['-c', 'import icalendar'], { stdio: 'ignore' }).status === 0) ?? null;

/** Parses with Python's icalendar; throws when it reports a line it could not parse. */
export function parseWithPython(ics: string): ParsedCalendar {
  if (!pythonWithIcalendar) throw new Error('python3 with icalendar is not installed (apt-get install python3-icalendar)');
  const run = spawnSync(pythonWithIcalendar, ['-c', PYTHON_SCRIPT], { input: ics, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python icalendar failed: ${run.stderr}`);
  type Py = { address: string; name: string | null; params: string[]; extra: string[] };
  const out = JSON.parse(run.stdout) as { errors: string[]; method: string | null; organizer: Py | null; attendees: Py[]; others: string[] };
  if (out.errors.length) throw new Error(`python icalendar could not parse: ${out.errors.join('; ')}`);
  const read = (a: Py): ParsedAddress => ({ address: normalise(a.address), name: a.name, params: a.params });
  const all = [...(out.organizer ? [out.organizer] : []), ...out.attendees];
  return {
    method: out.method,
    organizer: out.organizer && read(out.organizer),
    attendees: out.attendees.map(read),
    mailtos: [...all.flatMap((a) => a.extra), ...out.others].filter((v) => v.toLowerCase().includes('mailto:')),
  };
}

/** Names people really have, and names written to break a calendar file. */
export const HOSTILE_NAMES = [
  'Tony "T" 王',
  'Eve":mailto:eve@attacker.example;X="',
  'Line one\nLine two',
  'Semi;colon: and, comma',
  'Patient 王 Test',
  '患者 山田 テスト',
  "Caret ^ and ^n and ^'",
  'Back\\slash',
];

/** What every parser must read from a calendar: exactly these names and addresses, nothing injected. */
export function expectFaithful(parsed: ParsedCalendar, e: Expected) {
  expect(parsed.method).toBe(e.method);
  expect(parsed.organizer).toMatchObject({ address: e.organizer.email, name: e.organizer.name });
  expect(parsed.attendees.map((a) => ({ address: a.address, name: a.name }))).toEqual(e.attendees.map((a) => ({ address: a.email, name: a.name })));
  for (const a of [parsed.organizer!, ...parsed.attendees]) expect(a.params.every((p) => ['CN', 'ROLE', 'RSVP'].includes(p))).toBe(true);
  expect(parsed.mailtos).toEqual([]);
}

