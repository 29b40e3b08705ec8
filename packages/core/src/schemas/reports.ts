import { z } from 'zod';
import { LOCALES } from '../i18n/locales.ts';
import { timeZone } from './cases.ts';
import { calendarDate, isoDateTime, storableText } from './common.ts';

/**
 * The signed second-opinion report: what the physician writes (its content) and what the PDF says
 * about it (its metadata). Plain text: paragraphs are separated by a blank line, a single line break
 * is kept as one. Each section may be empty except the opinion itself.
 */

/** One section's text: long enough for a detailed opinion, bounded so a PDF stays a few pages. */
const section = storableText(20_000);

export const reportQuestion = z.object({
  question: storableText(2_000).min(1),
  answer: storableText(20_000),
});

export const reportContent = z
  .object({
    /** The case as the physician understood it from the records and the consultation. */
    caseSummary: section,
    /** The patient's questions, in the order asked, each with its answer. */
    questions: z.array(reportQuestion).max(50),
    /** The opinion on the diagnosis. */
    diagnosisOpinion: section,
    /** The opinion on the treatment. */
    treatmentOpinion: section,
    recommendations: section,
    /** What the patient should discuss with the primary (attending) doctor. */
    discussWithPrimaryDoctor: section,
  })
  .refine((c) => c.diagnosisOpinion !== '' || c.treatmentOpinion !== '', { message: 'validation.reportOpinionRequired', path: ['diagnosisOpinion'] })
  .meta({ id: 'ReportContent' });
export type ReportContent = z.infer<typeof reportContent>;

/**
 * Crockford's base32 (no I, L, O, U): what a person can read aloud and type. Sixteen symbols carry
 * 80 random bits, shown in groups of four: `7KQ2-M9XD-4HCW-TR3B`.
 */
export const VERIFICATION_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const VERIFICATION_CODE_LENGTH = 16;
const VERIFICATION_CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

/**
 * A code as a person typed it, in its canonical grouped form, or null when it cannot be one: case,
 * spaces and hyphens do not matter, and the letters Crockford reads as digits (O → 0, I and L → 1)
 * are read so. Full-width characters (typed with a Japanese or Chinese input method) count too.
 */
export function normalizeVerificationCode(typed: string): string | null {
  const symbols = typed
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-‐‑‒–—―ー]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (symbols.length !== VERIFICATION_CODE_LENGTH || [...symbols].some((c) => !VERIFICATION_ALPHABET.includes(c))) return null;
  return symbols.match(/.{4}/g)!.join('-');
}

/** A verification code in its canonical form (as made, as printed). */
export const verificationCode = z.string().regex(VERIFICATION_CODE, 'validation.verificationCode');

const person = z.object({ name: storableText(200).min(1), role: storableText(200) });

/** What the PDF says about the report beside its content: who, which version, when, how to check it. */
export const reportMeta = z
  .object({
    caseNumber: z.string().regex(/^SO-\d{4}-\d{4,6}$/, 'validation.caseNumber'),
    patientName: storableText(200).min(1),
    /** The signing physician, and their role as the document shows it (a title, a department). */
    physician: person,
    version: z.number().int().min(1).max(999),
    signedAt: isoDateTime,
    /** The zone the signing time is shown in (the hospital's). */
    timeZone,
    /** Why this version replaces the previous one: required from version 2 on, absent on version 1. */
    amendmentReason: storableText(2_000).min(1).optional(),
    /** The document's language. */
    language: z.enum(LOCALES),
    /** For a translation: who translated it, and from which language. */
    translation: z.object({ by: person, from: z.enum(LOCALES) }).optional(),
    verificationCode,
    verificationUrl: z.url({ protocol: /^https?$/ }),
  })
  .superRefine((m, ctx) => {
    if (m.version > 1 && !m.amendmentReason) ctx.addIssue({ code: 'custom', message: 'validation.amendmentReasonRequired', path: ['amendmentReason'] });
    if (m.version === 1 && m.amendmentReason) ctx.addIssue({ code: 'custom', message: 'validation.amendmentReasonFirstVersion', path: ['amendmentReason'] });
    if (m.translation && m.translation.from === m.language) ctx.addIssue({ code: 'custom', message: 'validation.translationSameLanguage', path: ['translation', 'from'] });
  })
  .meta({ id: 'ReportMeta' });
export type ReportMeta = z.infer<typeof reportMeta>;

/** The reply letter (返書) to the referring or primary doctor: to whom, and what is said besides the opinion. */
export const replyLetter = z
  .object({
    recipient: z.object({ name: storableText(200).min(1), institution: storableText(300), department: storableText(200) }),
    /** The letter's date, in the hospital's zone (YYYY-MM-DD). */
    date: calendarDate,
    /** Optional words of the physician's own, before the summary of the opinion. */
    note: storableText(4_000),
  })
  .meta({ id: 'ReplyLetter' });
export type ReplyLetter = z.infer<typeof replyLetter>;

// The report's API (apps/server/src/reports/service.ts)

export const REPORT_TEXT_STATUSES = ['draft', 'ready', 'signed'] as const;

/** One language of one version of the report, as the case's staff see it. */
export const reportText = z.object({
  language: z.enum(LOCALES),
  isOriginal: z.boolean(),
  status: z.enum(REPORT_TEXT_STATUSES),
  content: reportContent,
  /** The row's version, to save against (optimistic concurrency). */
  version: z.number().int(),
  writtenBy: z.object({ userId: z.string(), name: z.string() }),
  translatedBy: z.object({ userId: z.string(), name: z.string() }).nullable(),
  signedBy: z.object({ userId: z.string(), name: z.string() }).nullable(),
  signedAt: isoDateTime.nullable(),
  verificationCode: z.string().nullable(),
  updatedAt: isoDateTime,
});

/** A case's report: null fields before the physician first saves it. */
export const caseReport = z
  .object({
    caseId: z.string(),
    originalLanguage: z.enum(LOCALES).nullable(),
    /** The version being written or, once its original is signed, the one in force. */
    currentVersion: z.number().int(),
    amendmentReason: z.string().nullable(),
    deliveredAt: isoDateTime.nullable(),
    /** The current version's languages, the original first. */
    texts: z.array(reportText),
  })
  .meta({ id: 'CaseReport' });

/** The physician saves the original of the current version, based on the row version read (0: none yet). */
export const reportOriginalBody = z.object({ language: z.enum(LOCALES), version: z.number().int().min(0).max(1_000_000), content: reportContent });
/** A translation of the current version, saved by the team's interpreter or physician. */
export const reportTranslationBody = z.object({ version: z.number().int().min(0).max(1_000_000), content: reportContent });
/** Marking ready or signing: the row version read. */
export const reportVersionBody = z.object({ version: z.number().int().min(1).max(1_000_000) });
export const reportAmendBody = z.object({ reason: storableText(2_000).min(1) });
export const reportLanguageParam = z.object({ id: z.uuid(), language: z.enum(LOCALES) });
export const reportPdfQuery = z.object({ lang: z.enum(LOCALES) });
export const verificationCodeParam = z.object({ code: z.string().max(100) });

/** One language of the report as the patient side may read it: its latest signed version, never a draft. */
export const reportSummaryText = z.object({
  language: z.enum(LOCALES),
  isOriginal: z.boolean(),
  version: z.number().int(),
  signedAt: isoDateTime,
  verificationCode: verificationCode,
  /** Why this version replaced the one before (null for version 1). */
  amendmentReason: z.string().nullable(),
});

/**
 * The report as the patient's portal shows it: the version in force (the latest whose original is
 * signed) and, per language, the latest signed version — during an amendment a translation may
 * still be at the version before. Empty before the first signature.
 */
export const reportSummary = z
  .object({
    originalLanguage: z.enum(LOCALES).nullable(),
    /** The version in force; null before the original is first signed. */
    inForce: z.number().int().nullable(),
    /** Why the version in force replaced the one before (null for version 1). */
    amendmentReason: z.string().nullable(),
    /** Each signed language, the original first. */
    texts: z.array(reportSummaryText),
  })
  .meta({ id: 'ReportSummary' });

/** What `/verify/{code}` tells anyone: whether the document is authentic and current, never its content or patient. */
export const reportVerification = z
  .object({
    code: verificationCode,
    authentic: z.literal(true),
    current: z.boolean(),
    language: z.enum(LOCALES),
    version: z.number().int(),
    signedAt: isoDateTime,
    /** The version in force, when this one was replaced. */
    currentVersion: z.number().int(),
  })
  .meta({ id: 'ReportVerification' });
