import fs from 'node:fs';
import path from 'node:path';

/**
 * E-mails that reached the run's SMTP server (support/smtp.ts, started by global-setup, which
 * puts its folder in E2E_MAIL_DIR), parsed as far as the tests need: decoded subject, the
 * text/plain part and the text/calendar part.
 */

export interface CalendarPart {
  /** METHOD of the VCALENDAR, e.g. REQUEST or CANCEL. */
  method: string;
  /** The `method=` parameter of the part's Content-Type. */
  contentTypeMethod: string | null;
  uid: string;
  sequence: number;
  /** DTSTART as written, e.g. 20261125T010000Z. */
  dtstart: string;
  /** DTSTART as an ISO instant (only UTC values are accepted). */
  startsAt: string;
  status: string | null;
  raw: string;
}

export interface Mail {
  /** The file in the mail folder: unique per received message. */
  id: string;
  to: string[];
  subject: string;
  contentLanguage: string | null;
  text: string;
  calendar: CalendarPart | null;
  raw: string;
}

export function mailDir(): string {
  const dir = process.env.E2E_MAIL_DIR;
  if (!dir) throw new Error('E2E_MAIL_DIR is not set: global-setup starts the test SMTP server and sets it');
  return dir;
}

// ---- MIME ---------------------------------------------------------------------------------

interface Entity {
  headers: Map<string, string>;
  body: Buffer;
}

/** Splits header block and body; unfolds continuation lines; header names in lower case. */
function parseEntity(buf: Buffer): Entity {
  const s = buf.toString('latin1');
  let split = s.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (split < 0) {
    split = s.indexOf('\n\n');
    sepLen = 2;
  }
  const head = split < 0 ? s : s.slice(0, split);
  const body = split < 0 ? Buffer.alloc(0) : buf.subarray(split + sepLen);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(i + 1).trim());
  }
  return { headers, body };
}

/** `text/plain; charset=utf-8; method="REQUEST"` → type and lower-cased parameters. */
function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const [type, ...rest] = (value ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeQuotedPrintable(s: string): Buffer {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeTransfer(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body.toString('latin1'));
    default:
      return body;
  }
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Every leaf part of a message, depth first, with its decoded text. */
function leaves(entity: Entity): { type: string; params: Record<string, string>; text: string }[] {
  const ct = parseContentType(entity.headers.get('content-type'));
  if (ct.type.startsWith('multipart/') && ct.params.boundary) {
    const delimiter = `--${ct.params.boundary}`;
    const s = entity.body.toString('latin1');
    const out: ReturnType<typeof leaves> = [];
    const pieces = s.split(delimiter).slice(1);
    for (const piece of pieces) {
      if (piece.startsWith('--')) break;
      // The part starts after the line break that ends the delimiter line and ends before the next one.
      const content = piece.replace(/^[ \t]*\r?\n/, '').replace(/\r?\n$/, '');
      out.push(...leaves(parseEntity(Buffer.from(content, 'latin1'))));
    }
    return out;
  }
  const bytes = decodeTransfer(entity.body, entity.headers.get('content-transfer-encoding'));
  return [{ type: ct.type, params: ct.params, text: decodeCharset(bytes, ct.params.charset) }];
}

/**
 * RFC 2047 encoded-words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=) in a header. Adjacent encoded words
 * are joined without the space between them, and their bytes are decoded together, so a character
 * split across two words still comes out whole.
 */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
  let out = '';
  let last = 0;
  let charset: string | null = null;
  let bytes: Buffer[] = [];
  const flush = () => {
    if (charset !== null) out += decodeCharset(Buffer.concat(bytes), charset);
    charset = null;
    bytes = [];
  };
  for (let m = word.exec(value); m; m = word.exec(value)) {
    const between = value.slice(last, m.index);
    const [, cs, enc, data] = m;
    // Only white space between two encoded words in the same charset: they are one text.
    if (!(charset !== null && /^\s*$/.test(between) && charset.toLowerCase() === cs.toLowerCase())) {
      flush();
      out += between;
      charset = cs;
    }
    bytes.push(enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : decodeQuotedPrintable(data.replace(/_/g, ' ')));
    last = m.index + m[0].length;
  }
  flush();
  return out + value.slice(last);
}

function icsValue(lines: string[], name: string): string | null {
  const line = lines.find((l) => l.toUpperCase().startsWith(`${name}:`) || l.toUpperCase().startsWith(`${name};`));
  return line ? line.slice(line.indexOf(':') + 1).trim() : null;
}

export function parseCalendar(raw: string, contentTypeMethod: string | null = null): CalendarPart {
  const lines = raw.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === 'BEGIN:VEVENT');
  const end = lines.findIndex((l) => l.trim() === 'END:VEVENT');
  const event = start >= 0 && end > start ? lines.slice(start + 1, end) : [];
  const outside = start >= 0 ? lines.slice(0, start) : lines;
  const dtstart = icsValue(event, 'DTSTART') ?? '';
  const utc = dtstart.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  return {
    method: icsValue(outside, 'METHOD') ?? '',
    contentTypeMethod,
    uid: icsValue(event, 'UID') ?? '',
    sequence: Number(icsValue(event, 'SEQUENCE') ?? NaN),
    dtstart,
    startsAt: utc ? new Date(Date.UTC(+utc[1], +utc[2] - 1, +utc[3], +utc[4], +utc[5], +utc[6])).toISOString() : '',
    status: icsValue(event, 'STATUS'),
    raw,
  };
}

export function parseMail(id: string, raw: Buffer, envelopeTo: string[] = []): Mail {
  const entity = parseEntity(raw);
  const parts = leaves(entity);
  const text = parts.find((p) => p.type === 'text/plain')?.text ?? '';
  const cal = parts.find((p) => p.type === 'text/calendar');
  const headerTo = (entity.headers.get('to') ?? '').match(/[^\s<>,"]+@[^\s<>,"]+/g) ?? [];
  return {
    id,
    to: (envelopeTo.length ? envelopeTo : headerTo).map((a) => a.toLowerCase()),
    subject: decodeEncodedWords(entity.headers.get('subject') ?? ''),
    contentLanguage: entity.headers.get('content-language') ?? null,
    text,
    calendar: cal ? parseCalendar(cal.text, cal.params.method?.toUpperCase() ?? null) : null,
    raw: raw.toString('utf8'),
  };
}

// ---- the mail folder ----------------------------------------------------------------------

const cache = new Map<string, Mail>();

/** Every message received so far, oldest first. */
export function receivedMails(): Mail[] {
  const dir = mailDir();
  const names = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.eml'))
    .sort();
  return names.map((name) => {
    const id = name.slice(0, -4);
    let mail = cache.get(id);
    if (!mail) {
      let rcpt: string[] = [];
      try {
        rcpt = (JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8')) as { rcptTo: string[] }).rcptTo;
      } catch {
        // No envelope: the To header is used.
      }
      mail = parseMail(id, fs.readFileSync(path.join(dir, name)), rcpt);
      cache.set(id, mail);
    }
    return mail;
  });
}

export interface MailQuery {
  to: string;
  /**
   * The whole decoded subject, or a part of it (string: contained; RegExp: matched). In a string,
   * a `{{hospital}}` left from the catalog stands for whatever the hospital is called now (its
   * identity settings, which one spec changes).
   */
  subject: string | RegExp;
  /** Anything else the message must satisfy, e.g. its calendar's SEQUENCE. */
  where?: (m: Mail) => boolean;
  /** Messages already seen (their ids) are not matched again. */
  except?: Iterable<string>;
}

function subjectMatcher(subject: string | RegExp): (s: string) => boolean {
  if (subject instanceof RegExp) return (s) => subject.test(s);
  if (!subject.includes('{{hospital}}')) return (s) => s.includes(subject);
  const pattern = new RegExp(subject.split('{{hospital}}').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?'));
  return (s) => pattern.test(s);
}

export function findMails(q: MailQuery): Mail[] {
  const except = new Set(q.except ?? []);
  const to = q.to.toLowerCase();
  const subjectMatches = subjectMatcher(q.subject);
  return receivedMails().filter(
    (m) =>
      !except.has(m.id) &&
      m.to.includes(to) &&
      subjectMatches(m.subject) &&
      (!q.where || q.where(m)),
  );
}

/**
 * Waits for the first message matching `q`, polling the folder until the deadline. The server's
 * outbox worker sends when a message is queued and polls every 5 s, so 20 s is generous.
 */
export async function waitForMail(q: MailQuery, timeoutMs = 20_000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [found] = findMails(q);
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = receivedMails()
        .filter((m) => m.to.includes(q.to.toLowerCase()))
        .map((m) => `  ${m.id} ${m.subject}${m.calendar ? ` [${m.calendar.method} SEQUENCE:${m.calendar.sequence} ${m.calendar.dtstart}]` : ''}`);
      throw new Error(`No e-mail to ${q.to} with subject ${String(q.subject)} within ${timeoutMs / 1000} s. Received for that address:\n${seen.join('\n') || '  nothing'}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** 2026-11-25T01:00:00.000Z → 20261125T010000Z, as iCalendar writes UTC times. */
export function icsUtc(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
