import { z } from 'zod';
import { LOCALES } from '../i18n/locales.ts';
import { isoDateTime, storableText, uuid } from './common.ts';
import { replyLetter } from './reports.ts';

/**
 * Giving the signed report and the reply letter (返書) to the patient's primary doctor or referring
 * institution (apps/server/src/reports/sharing.ts): only with the patient side's consent, given on
 * the portal; a partner institution's members see them in the product, anyone else through a read
 * link with a passcode.
 */

/** The patient side's answer, as the portal gave it last; null: never asked. */
export const sharingConsent = z.object({ given: z.boolean(), changedAt: isoDateTime }).nullable().meta({ id: 'SharingConsent' });
export const sharingConsentView = z.object({ consent: sharingConsent }).meta({ id: 'SharingConsentView' });
export const sharingConsentBody = z.object({ given: z.boolean() });

/** What the physician writes: the letter (recipient, date, note) and the language it is written in. */
export const replyLetterBody = replyLetter.extend({ language: z.enum(LOCALES) });

/** A signed reply letter, as the case's staff see it. */
export const replyLetterSigned = z.object({
  id: uuid,
  language: z.enum(LOCALES),
  /** The version of the report it summarises. */
  reportVersion: z.number().int(),
  letter: replyLetter,
  writtenBy: z.object({ userId: z.string(), name: z.string() }),
  signedAt: isoDateTime,
});

/** The case's reply letter and what it may be given with: the consent, the languages signed. */
export const replyLetterView = z
  .object({
    consent: sharingConsent,
    /** The current letter; null before one is written for the report's current version too. */
    letter: replyLetterSigned.nullable(),
    /** Whether the current letter summarises the report in force (false once an amendment was signed after it). */
    letterCurrent: z.boolean(),
    /** The version in force (its original signed), 0 before the report is signed. */
    reportVersion: z.number().int(),
    /** The languages of the version in force that are signed: a letter is written in one of them. */
    signedLanguages: z.array(z.enum(LOCALES)),
    /** The recipient as the request named the primary doctor and hospital (empty where it did not). */
    suggestedRecipient: z.object({ name: z.string(), institution: z.string(), department: z.string() }),
    /** The partner institution the case came through: its members see the documents in the product. */
    institution: z.string().nullable(),
  })
  .meta({ id: 'ReplyLetterView' });

/** What the recipient (a partner member, a read link) may download. */
export const sharedDocuments = z
  .object({
    caseId: uuid,
    caseNumber: z.string(),
    letter: z.object({ language: z.enum(LOCALES), date: z.string(), reportVersion: z.number().int() }).nullable(),
    /** The report's languages signed, the latest version of each. */
    report: z.array(z.object({ language: z.enum(LOCALES), version: z.number().int() })),
    /** Until when a read link works; null for a partner member. */
    expiresAt: isoDateTime.nullable(),
  })
  .meta({ id: 'SharedDocuments' });
export const sharedReportQuery = z.object({ lang: z.enum(LOCALES) });

export const REPORT_LINK_DAYS = { default: 14, max: 30 } as const;

/** A read link for the recipient: a passcode is required, given another way (telephone, fax). */
export const reportLinkBody = z.object({
  days: z.number().int().min(1).max(REPORT_LINK_DAYS.max).default(REPORT_LINK_DAYS.default),
  passcode: z.string().trim().min(6).max(64),
  /** Whom the link is for (a doctor, a hospital): shown to staff only. */
  label: storableText(200).min(1),
  /** The recipient's language: the page opens in it, and the e-mail is written in it. */
  locale: z.enum(LOCALES),
  /** Where to e-mail the link (without the passcode, without medical content); none: staff pass it on themselves. */
  email: z.email().max(254).optional(),
});
export const reportLinkParam = z.object({ id: uuid, linkId: uuid });
export const reportLink = z
  .object({
    id: uuid,
    label: z.string(),
    locale: z.enum(LOCALES).nullable(),
    expiresAt: isoDateTime,
    revokedAt: isoDateTime.nullable(),
    createdAt: isoDateTime,
    lastUsedAt: isoDateTime.nullable(),
  })
  .meta({ id: 'ReportLink' });
export const reportLinkList = z.object({ items: z.array(reportLink) });
/** A new link: its address is shown once (the token is not kept). */
export const reportLinkCreated = reportLink.extend({ url: z.string() });
