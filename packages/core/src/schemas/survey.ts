import { z } from 'zod';

/**
 * The patient satisfaction survey (利用者アンケート), as the hospital counts it (docs/glossary.md).
 * Questions 1–3 are 4-point scales coded 1 (best) to 4 (worst); question 4, the nurse who attended,
 * takes any of four codes. Statistics and the CSV history import read the same codes.
 */
export const SURVEY_SCALE_QUESTIONS = ['purpose', 'understanding', 'satisfaction'] as const;
export type SurveyScaleQuestion = (typeof SURVEY_SCALE_QUESTIONS)[number];
/** 1 best … 4 worst. */
export const SURVEY_SCALE_CODES = [1, 2, 3, 4] as const;
export type SurveyScaleCode = (typeof SURVEY_SCALE_CODES)[number];
export const SURVEY_NURSE_CODES = ['nurse_better_present', 'nurse_not_needed', 'nurse_talk_after_glad', 'nurse_talk_after_unneeded'] as const;
export type SurveyNurseCode = (typeof SURVEY_NURSE_CODES)[number];
/** The history import's columns: the scales as 1-4 or empty, the nurse codes joined by SURVEY_NURSE_SEPARATOR. */
export const SURVEY_CSV_COLUMNS = { purpose: 'survey_purpose', understanding: 'survey_understanding', satisfaction: 'survey_satisfaction', nurse: 'survey_nurse' } as const;
export const SURVEY_NURSE_SEPARATOR = ';';
export const SURVEY_COMMENT_MAX = 2000;
/** Days after the survey is opened that an unanswered one is reminded of, once. */
export const SURVEY_REMINDER_DAYS = 3;

const scale = z.number().int().min(1).max(4).nullable();

/** The answers: the scales may be null while a draft; submitting needs all three (the server checks). */
export const surveyAnswers = z
  .object({
    purpose: scale.default(null),
    understanding: scale.default(null),
    satisfaction: scale.default(null),
    nurse: z
      .array(z.enum(SURVEY_NURSE_CODES))
      .max(SURVEY_NURSE_CODES.length)
      .refine((codes) => new Set(codes).size === codes.length, 'validation.surveyNurseDuplicate')
      .default([]),
    comment: z.string().trim().max(SURVEY_COMMENT_MAX).default(''),
  })
  .meta({ id: 'SurveyAnswers' });
export type SurveyAnswers = z.output<typeof surveyAnswers>;

export const SURVEY_STATUSES = ['not_sent', 'open', 'submitted'] as const;
export type SurveyStatus = (typeof SURVEY_STATUSES)[number];

/**
 * A case's survey. Staff see the answers only where the hospital allows it
 * (`surveyAnswersVisibleToStaff`); otherwise `answers` is null and `answersHidden` true.
 */
export const caseSurvey = z
  .object({
    status: z.enum(SURVEY_STATUSES),
    openedAt: z.string().nullable(),
    remindedAt: z.string().nullable(),
    submittedAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
    answers: surveyAnswers.nullable(),
    answersHidden: z.boolean(),
  })
  .meta({ id: 'CaseSurvey' });
export type CaseSurvey = z.infer<typeof caseSurvey>;
