import { z } from 'zod';
import { LOCALES } from '../i18n/locales.ts';
import { storableText } from './common.ts';
import { basedOnVersion } from './visitRecord.ts';

/** The request's medical text in the patient's own words (the case's `medical`), field by field. */
export const PATIENT_WORD_FIELDS = ['diagnosis', 'currentTreatment', 'pastTreatment', 'questions'] as const;
export type PatientWordField = (typeof PATIENT_WORD_FIELDS)[number];

export const patientWordsLanguageParam = z.object({ id: z.uuid(), language: z.enum(LOCALES) });

/**
 * A save of the interpreter's translation into one language, based on the version read (0: none
 * yet); the lengths are the request form's. An empty field is one the patient left empty.
 */
export const patientWordsBody = z.object({
  version: basedOnVersion,
  diagnosis: storableText(2000).default(''),
  currentTreatment: storableText(4000).default(''),
  pastTreatment: storableText(4000).default(''),
  questions: storableText(4000).default(''),
});

const words = { diagnosis: z.string(), currentTreatment: z.string(), pastTreatment: z.string(), questions: z.string() };

export const patientWordsTranslation = z.object({
  language: z.enum(LOCALES),
  version: z.number().int(),
  ...words,
  translatedBy: z.object({ userId: z.uuid(), name: z.string() }),
  updatedAt: z.string(),
});

export const patientWords = z
  .object({
    caseId: z.uuid(),
    /** What the requester wrote, in the request's language. */
    original: z.object({ language: z.enum(LOCALES), ...words }),
    /** The interpreter's translations, one per language (never the original's). */
    translations: z.array(patientWordsTranslation),
  })
  .meta({ id: 'PatientWords' });
export type PatientWords = z.output<typeof patientWords>;
