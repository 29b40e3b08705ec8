import { z } from 'zod';
import { LOCALES } from '../i18n/locales.ts';
import { storableText } from './common.ts';

/**
 * Follow-up questions (issue 9): once the report is delivered the patient side may ask a few more
 * questions from the portal (the hospital's `followUpQuestionLimit`, three by default); the
 * physician answers each in a new version of the report, translated and signed as any other.
 */
export const FOLLOW_UP_QUESTION_LIMIT_DEFAULT = 3;
export const FOLLOW_UP_QUESTION_LIMIT_MAX = 10;

/** A question as the patient side writes it, in its language. */
export const followUpAskBody = z.object({ question: storableText(2_000).min(1) });

/** The physician's answer: the question as the report shall word it (in the report's language) and the answer. */
export const followUpAnswerBody = z.object({ question: storableText(2_000).min(1), answer: storableText(20_000).min(1) });

/** The interpreter's translation of the patient's words, based on the question's row version read. */
export const followUpTranslationBody = z.object({ language: z.enum(LOCALES), text: storableText(2_000).min(1), version: z.number().int().min(1).max(1_000_000) });

export const followUpParam = z.object({ id: z.uuid(), number: z.coerce.number().int().min(1).max(FOLLOW_UP_QUESTION_LIMIT_MAX) });

/** Why the patient side may not ask now (null: it may). */
export const FOLLOW_UP_CLOSED_REASONS = ['not_delivered', 'limit_reached', 'case_closed', 'none_allowed'] as const;

export const followUpQuestion = z.object({
  number: z.number().int(),
  question: z.string(),
  language: z.enum(LOCALES),
  askedAt: z.string(),
  /** The interpreter's translation, for staff (null for the patient side, and until one is written). */
  translation: z.object({ language: z.enum(LOCALES), text: z.string(), by: z.string() }).nullable(),
  /** The row's version, to translate against. */
  version: z.number().int(),
  /** The report version whose text answers it; null while unanswered. */
  answeredInVersion: z.number().int().nullable(),
  answeredAt: z.string().nullable(),
});

export const followUpList = z
  .object({
    limit: z.number().int(),
    /** How many more the patient side may ask. */
    remaining: z.number().int(),
    closedReason: z.enum(FOLLOW_UP_CLOSED_REASONS).nullable(),
    /** The language the report's original is written in (what an answer is written in); null before it is started. */
    reportLanguage: z.enum(LOCALES).nullable(),
    questions: z.array(followUpQuestion),
  })
  .meta({ id: 'FollowUpQuestions' });
export type FollowUpList = z.infer<typeof followUpList>;
