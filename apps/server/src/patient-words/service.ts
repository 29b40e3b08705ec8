import type { z } from 'zod';
import { PATIENT_WORD_FIELDS, type Locale, type PatientWords, type patientWordsBody } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { CaseRow } from '../cases/service.ts';
import { badRequest, conflict, forbidden } from '../errors.ts';
import * as repo from './repo.ts';

export type PatientWordsService = ReturnType<typeof createPatientWordsService>;

/**
 * The request's medical text in the patient's words and the interpreter's translations of it
 * (docs/architecture.md, "The patient's words"). Saved against the version read, like a visit record.
 */
export function createPatientWordsService(deps: { gate: Gate<CaseRow> }) {
  const { gate } = deps;

  async function view(tx: Db, row: CaseRow): Promise<PatientWords> {
    const medical = row.medical as Record<string, unknown>;
    const original = Object.fromEntries(PATIENT_WORD_FIELDS.map((f) => [f, typeof medical[f] === 'string' ? medical[f] : ''])) as Record<(typeof PATIENT_WORD_FIELDS)[number], string>;
    const translations = await repo.listTranslations(tx, row.id);
    return {
      caseId: row.id,
      original: { language: row.locale as Locale, ...original },
      translations: translations.map((t) => ({
        language: t.language,
        version: t.version,
        diagnosis: t.diagnosis,
        currentTreatment: t.currentTreatment,
        pastTreatment: t.pastTreatment,
        questions: t.questions,
        translatedBy: { userId: t.translatedBy, name: t.translatedByName },
        updatedAt: t.updatedAt.toISOString(),
      })),
    };
  }

  return {
    /** Every read is an event; it names the languages shown, never the words. */
    read(actor: Actor, caseId: string) {
      return gate.run(actor, 'case.words_read', caseId, async ({ tx, subject, audit }) => {
        const words = await view(tx, subject);
        audit.details = { translations: words.translations.map((t) => t.language) };
        return words;
      });
    },

    save(actor: Actor, caseId: string, language: Locale, body: z.output<typeof patientWordsBody>) {
      return gate.run(actor, 'case.words_translate', caseId, async ({ tx, subject, audit }) => {
        const p = actor.principal;
        if (p?.kind !== 'user') throw forbidden();
        audit.details = { language, basedOn: body.version };
        if (language === subject.locale) throw badRequest('patient_words_original_language', [{ path: 'language' }]);
        const current = (await repo.listTranslations(tx, caseId)).find((t) => t.language === language);
        const stale = async () => conflict('changed_meanwhile', {}, { current: await view(tx, subject) });
        if ((current?.version ?? 0) !== body.version) throw await stale();
        const { version: _, ...values } = body;
        if (!(await repo.saveTranslation(tx, { caseId, language }, body.version, p.user.id, values))) throw await stale();
        return view(tx, subject);
      });
    },
  };
}
