import { z } from 'zod';
import { LOCALES } from '../i18n/locales.ts';
import { email } from './auth.ts';
import { FOLLOW_UP_QUESTION_LIMIT_DEFAULT, FOLLOW_UP_QUESTION_LIMIT_MAX } from './followUps.ts';
import { STATS_MIN_CELL_DEFAULT, statsMinCell } from './stats.ts';

/**
 * The hospital's identity: names, logo, contact window and what a patient should expect, in each
 * language. Settings in the database (an administrator changes them), shown on the patient's pages
 * and in every e-mail; deployment configuration (the envelope sender, SMTP) stays in the environment.
 */

const text = (max: number) => z.string().trim().max(max);
/** One text in each language; empty where the hospital has nothing to say. */
const localizedText = (max: number) => z.object({ ja: text(max), 'zh-CN': text(max), en: text(max) });
/** An address or nothing. */
const optionalEmail = z.union([z.literal(''), email]);
/** Digits, spaces and the usual punctuation of a telephone number: +81-3-0000-0000, (03) 0000 0000. */
const phone = z.string().trim().max(40).regex(/^[0-9+()\-.\s/]*$/, 'validation.phone');

export const hospitalSettingsBody = z.object({
  name: z.object({ ja: text(200).min(1), 'zh-CN': text(200).min(1), en: text(200).min(1) }),
  department: localizedText(200),
  contact: z.object({ email: optionalEmail, phone, fax: phone, hours: localizedText(500) }),
  /** Where replies to the service's e-mails go; empty: nowhere (the envelope sender only). */
  replyTo: optionalEmail,
  expectations: z.object({ firstAnswer: localizedText(500), opinion: localizedText(500), fee: localizedText(1000) }),
  paymentInstructions: localizedText(4000),
  /** Whether staff see each case's survey answers; off, they see only whether it was sent and answered. */
  surveyAnswersVisibleToStaff: z.boolean().default(false),
  /** How many follow-up questions the patient side may ask after the report's delivery. */
  followUpQuestionLimit: z.number().int().min(0).max(FOLLOW_UP_QUESTION_LIMIT_MAX).default(FOLLOW_UP_QUESTION_LIMIT_DEFAULT),
  /** Statistics exported for publication hide cells counting fewer than this. */
  statsMinCell: statsMinCell.default(STATS_MIN_CELL_DEFAULT),
  /** Whether the image viewer says the images are a copy sent by the patient, not for primary diagnosis. */
  viewerCopyNotice: z.boolean().default(true),
});

const localizedView = z.object({ ja: z.string(), 'zh-CN': z.string(), en: z.string() });
/** What anyone may read: everything here is meant for patients. */
export const hospitalSettings = z
  .object({
    name: localizedView,
    department: localizedView,
    contact: z.object({ email: z.string(), phone: z.string(), fax: z.string(), hours: localizedView }),
    replyTo: z.string(),
    expectations: z.object({ firstAnswer: localizedView, opinion: localizedView, fee: localizedView }),
    paymentInstructions: localizedView,
    surveyAnswersVisibleToStaff: z.boolean(),
    followUpQuestionLimit: z.number().int(),
    statsMinCell: z.number().int(),
    viewerCopyNotice: z.boolean(),
    /** The served logo, with its version in the query so a new one is fetched at once; null: none. */
    logoUrl: z.string().nullable(),
  })
  .meta({ id: 'HospitalSettings' });
export type HospitalSettings = z.infer<typeof hospitalSettings>;

/** Kept small: it is on every patient page, often over a slow link. */
export const LOGO_MAX_BYTES = 200 * 1024;
export const LOGO_TYPES = ['image/png', 'image/svg+xml'] as const;
export const hospitalLogoBody = z.object({
  /** Null removes the logo. */
  logo: z
    .object({
      contentType: z.enum(LOGO_TYPES),
      /** The file, base64-encoded. */
      data: z.base64().max(Math.ceil(LOGO_MAX_BYTES / 3) * 4, 'validation.logoTooLarge'),
    })
    .nullable(),
});

/** The same text in every language, for a new installation or a test. */
export const sameInEveryLanguage = (s: string) => Object.fromEntries(LOCALES.map((l) => [l, s])) as Record<(typeof LOCALES)[number], string>;
