import { z } from 'zod';

export const uuid = z.uuid();

/**
 * A NUL, or half of a surrogate pair (half an emoji, from a paste or a cut at a length limit).
 * PostgreSQL stores neither in jsonb and no NUL in text, and neither is anything a person meant.
 * The server's request validator refuses them in every field (http/validation.ts).
 */
export const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text as a person wrote it, trimmed, at most `max` characters, refused (not cleaned) when it holds
 * what UNSTORABLE_TEXT matches: for text that reaches the database or a document without passing
 * through a request (a report rendered from stored content, say).
 */
export const storableText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((s) => !UNSTORABLE_TEXT.test(s), 'validation.unstorableText');

/**
 * The dates the service can mean, from the oldest patient's birth to the furthest plan. Outside
 * them JavaScript and PostgreSQL disagree (PostgreSQL has no year 0 and no year 10000).
 */
export const DATE_RANGE = { min: '1900-01-01', max: '2200-12-31' } as const;
const dateRangeIssue = { error: 'validation.dateRange', params: DATE_RANGE, abort: true } as const;
const rangeStart = Date.parse(`${DATE_RANGE.min}T00:00:00Z`);
const rangeEnd = Date.parse(`${DATE_RANGE.max}T00:00:00Z`) + 86_400_000;

/** A calendar date (YYYY-MM-DD) within DATE_RANGE: every date a request accepts. */
export const calendarDate = z.iso.date({ abort: true }).refine((d) => d >= DATE_RANGE.min && d <= DATE_RANGE.max, dateRangeIssue);
/** An instant with its offset, on a day within DATE_RANGE (in UTC): every time a request accepts. */
export const isoDateTime = z.iso.datetime({ offset: true, abort: true }).refine((s) => {
  const t = Date.parse(s);
  return t >= rangeStart && t < rangeEnd;
}, dateRangeIssue);

export const errorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const paging = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

export const idParam = z.object({ id: uuid });
