import type { z } from 'zod';
import type { FollowUpList, followUpAnswerBody, followUpAskBody, followUpTranslationBody, ReportContent } from '@kakehashi/core';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { CaseRow, CaseService } from '../cases/service.ts';
import type { Db } from '../db/client.ts';
import { conflict, DomainError } from '../errors.ts';
import type { HospitalService } from '../hospital/service.ts';
import { isLocale, translator } from '../i18n.ts';
import { userIdOf } from './service.ts';
import { startNextVersion } from './versions.ts';
import * as repo from './repo.ts';

/** Statuses in which the patient side asks nothing more: the case ended or consent was withdrawn. */
const ENDED = ['closed', 'cancelled', 'withdrawn'];
/** The most questions a report holds (core's reportContent). */
const MAX_REPORT_QUESTIONS = 50;

export type FollowUpService = ReturnType<typeof createFollowUpService>;

/**
 * Follow-up questions (docs/architecture.md, "Follow-up questions"): after delivery the portal asks
 * up to the hospital's limit; the team's physicians and interpreters are e-mailed (no words of the
 * question); the interpreter may translate the patient's words for the physician; the physician's
 * answer goes into the report — the current draft, or a new version when the current one is signed —
 * and is translated and signed like everything else there.
 */
export function createFollowUpService(deps: { gate: Gate<CaseRow>; cases: Pick<CaseService, 'notifyTeam'>; hospital: Pick<HospitalService, 'settings'> }) {
  const { gate, cases, hospital } = deps;

  async function list(tx: Db, row: CaseRow, forStaff: boolean): Promise<FollowUpList> {
    const [report, questions, { followUpQuestionLimit: limit }] = await Promise.all([repo.findReport(tx, row.id), repo.listFollowUps(tx, row.id), hospital.settings(tx)]);
    const names = forStaff ? await repo.userNames(tx, questions.flatMap((q) => (q.translatedBy ? [q.translatedBy] : []))) : new Map<string, string>();
    const closedReason = !report?.deliveredAt
      ? ('not_delivered' as const)
      : ENDED.includes(row.status)
        ? ('case_closed' as const)
        : limit === 0
          ? ('none_allowed' as const)
          : questions.length >= limit
            ? ('limit_reached' as const)
            : null;
    return {
      limit,
      remaining: closedReason ? 0 : limit - questions.length,
      closedReason,
      reportLanguage: report?.originalLanguage ?? null,
      questions: questions.map((q) => ({
        number: q.number,
        question: q.question,
        language: q.language,
        askedAt: q.askedAt.toISOString(),
        translation: forStaff && q.translation && q.translationLanguage ? { language: q.translationLanguage, text: q.translation, by: names.get(q.translatedBy!) ?? '' } : null,
        version: q.version,
        answeredInVersion: q.answeredInVersion,
        answeredAt: q.answeredAt?.toISOString() ?? null,
      })),
    };
  }

  const isStaff = (actor: Actor) => actor.principal?.kind === 'user';

  /** The question, or 404: the number is the case's own count, so another case's is never found. */
  async function question(tx: Db, caseId: string, number: number) {
    const q = await repo.findFollowUp(tx, caseId, number);
    if (!q) throw new DomainError('follow_up_missing');
    return q;
  }

  return {
    list(actor: Actor, caseId: string) {
      return gate.run(actor, 'report.follow_ups_read', caseId, async ({ tx, subject: row, audit }) => {
        const view = await list(tx, row, isStaff(actor));
        audit.details = { questions: view.questions.length, unanswered: view.questions.filter((q) => q.answeredInVersion === null).length };
        return view;
      });
    },

    ask(actor: Actor, caseId: string, body: z.output<typeof followUpAskBody>) {
      return gate.run(actor, 'report.follow_up_ask', caseId, async ({ tx, subject: row, audit }) => {
        // The report's lock orders concurrent asks, so the count and the limit hold.
        await repo.findReport(tx, caseId, { lock: true });
        const before = await list(tx, row, false);
        if (before.closedReason) throw conflict(`follow_up_${before.closedReason}`);
        const number = before.questions.length + 1;
        await repo.insertFollowUp(tx, { caseId, number, question: body.question, language: isLocale(row.locale) ? row.locale : 'ja' });
        await cases.notifyTeam(tx, row, ['physician', 'interpreter'], 'staffFollowUpQuestion');
        audit.details = { number, characters: body.question.length };
        return list(tx, row, false);
      });
    },

    translate(actor: Actor, caseId: string, number: number, body: z.output<typeof followUpTranslationBody>) {
      return gate.run(actor, 'report.follow_up_translate', caseId, async ({ tx, subject: row, audit }) => {
        const userId = userIdOf(actor);
        audit.details = { number, language: body.language, basedOn: body.version };
        const q = await question(tx, caseId, number);
        if (body.language === q.language) throw conflict('follow_up_same_language');
        const saved = q.version === body.version && (await repo.updateFollowUp(tx, q, { translation: body.text, translationLanguage: body.language, translatedBy: userId }));
        if (!saved) throw conflict('changed_meanwhile', {}, { current: await list(tx, row, true) });
        return list(tx, row, true);
      });
    },

    answer(actor: Actor, caseId: string, number: number, body: z.output<typeof followUpAnswerBody>) {
      return gate.run(actor, 'report.follow_up_answer', caseId, async ({ tx, subject: row, audit }) => {
        const userId = userIdOf(actor);
        const report = await repo.findReport(tx, caseId, { lock: true });
        const q = await question(tx, caseId, number);
        if (!report || q.answeredInVersion !== null) throw conflict('follow_up_answered');
        const texts = await repo.listTexts(tx, caseId, report.currentVersion);
        const original = texts.find((t) => t.isOriginal)!;
        if ((original.content as ReportContent).questions.length >= MAX_REPORT_QUESTIONS) throw conflict('follow_up_report_full');
        // Every language gets the answer in the original's words: the interpreter translates it there.
        const withAnswer = (c: ReportContent): ReportContent => ({ ...c, questions: [...c.questions, { question: body.question, answer: body.answer }] });
        let version = report.currentVersion;
        if (original.status === 'signed') {
          const reason = translator(report.originalLanguage)('reportPdf.followUpAmendment', { number });
          if (!(await startNextVersion(tx, caseId, version, texts, reason, withAnswer))) throw conflict('changed_meanwhile');
          version += 1;
        } else {
          for (const t of texts) {
            const changed = await repo.updateText(tx, t.id, t.version, { content: withAnswer(t.content as ReportContent), ...(t.isOriginal ? {} : { status: 'draft' as const }) });
            if (!changed) throw conflict('changed_meanwhile');
          }
        }
        if (!(await repo.updateFollowUp(tx, q, { answeredInVersion: version, answeredBy: userId, answeredAt: new Date() }))) throw conflict('follow_up_answered');
        audit.details = { number, reportVersion: version, newVersion: version !== report.currentVersion };
        return list(tx, row, true);
      });
    },
  };
}
