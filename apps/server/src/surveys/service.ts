import { SURVEY_REMINDER_DAYS, type CaseSurvey, type SurveyAnswers } from '@kakehashi/core';
import type { Gate } from '../access/gate.ts';
import type { AuditService } from '../audit/service.ts';
import type { Actor } from '../auth/principal.ts';
import type { CaseRow, CaseService } from '../cases/service.ts';
import { transaction, type Db } from '../db/client.ts';
import { badRequest, conflict } from '../errors.ts';
import type { HospitalService } from '../hospital/service.ts';
import { enqueue } from '../jobs/queue.ts';
import type { JobWorker } from '../jobs/worker.ts';
import * as repo from './repo.ts';

/** The job that reminds the patient side once, three days after the survey was opened. */
export const SURVEY_REMINDER_JOB = 'survey.reminder';
/** Who the reminder's audit event names. */
export const SURVEY_ACTOR = 'system:survey';
/** Statuses in which a case has left the journey: no survey is sent. */
const CLOSED = ['cancelled', 'withdrawn'];

export type SurveyService = ReturnType<typeof createSurveyService>;

function answersOf(row: repo.SurveyRow): SurveyAnswers {
  return {
    purpose: row.purpose,
    understanding: row.understanding,
    satisfaction: row.satisfaction,
    nurse: row.nurse as SurveyAnswers['nurse'],
    comment: row.comment,
  };
}

/** The survey as a caller sees it: answers for the patient side, and for staff where the hospital allows it. */
function view(row: repo.SurveyRow | null, showAnswers: boolean): CaseSurvey {
  if (!row) return { status: 'not_sent', openedAt: null, remindedAt: null, submittedAt: null, updatedAt: null, answers: null, answersHidden: false };
  return {
    status: row.submittedAt ? 'submitted' : 'open',
    openedAt: row.openedAt.toISOString(),
    remindedAt: row.remindedAt?.toISOString() ?? null,
    submittedAt: row.submittedAt?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
    answers: showAnswers ? answersOf(row) : null,
    answersHidden: !showAnswers,
  };
}

/**
 * The patient satisfaction survey of a case (issue 9). One per case: opened by a coordinator
 * ("Send the survey") or, once it exists, by the report's delivery through `openFor`; answered on
 * the portal (a draft until submitted, read-only afterwards); reminded once after three days.
 */
export function createSurveyService(deps: { db: Db; gate: Gate<CaseRow>; cases: CaseService; hospital: HospitalService; audit: AuditService }) {
  const { db, gate, cases, hospital } = deps;

  /**
   * Opens the case's survey in the caller's transaction: the patient side is e-mailed its portal
   * link in its language and a reminder is queued. Opening an open survey changes nothing (no
   * second e-mail). This is what the report's delivery step calls.
   */
  async function openFor(tx: Db, row: CaseRow, openedBy: string | null): Promise<{ row: repo.SurveyRow; opened: boolean }> {
    const existing = await repo.findSurvey(tx, row.id);
    if (existing) return { row: existing, opened: false };
    if (CLOSED.includes(row.status)) throw conflict('survey_case_closed');
    const created = await repo.insertSurvey(tx, row.id, openedBy);
    // Opened at the same moment by someone else: theirs stands.
    if (!created) return { row: (await repo.findSurvey(tx, row.id))!, opened: false };
    await cases.tellRequester(tx, row, 'surveyOpened');
    const runAt = new Date(created.openedAt.getTime() + SURVEY_REMINDER_DAYS * 86_400_000);
    await enqueue(tx, SURVEY_REMINDER_JOB, { caseId: row.id }, { runAt, uniqueKey: `survey-reminder:${row.id}` });
    return { row: created, opened: true };
  }

  async function save(actor: Actor, caseId: string, answers: SurveyAnswers, submit: boolean) {
    return gate.run(actor, submit ? 'survey.submit' : 'survey.answer', caseId, async ({ tx, subject: row, audit }) => {
      const current = await repo.findSurvey(tx, caseId, { lock: true });
      if (!current) throw conflict('survey_not_opened');
      if (current.submittedAt) throw conflict('survey_submitted');
      // Consent withdrawn (or the case cancelled): nothing more is taken from the patient side.
      if (CLOSED.includes(row.status)) throw conflict('survey_case_closed');
      if (submit) {
        const missing = (['purpose', 'understanding', 'satisfaction'] as const).filter((q) => answers[q] === null);
        if (missing.length) throw badRequest('survey_incomplete', missing.map((path) => ({ path })));
      }
      const saved = await repo.saveAnswers(tx, caseId, { ...answers, nurse: [...answers.nurse] }, submit);
      if (!saved) throw conflict('survey_submitted');
      // Which questions are answered, never what: the answers are the patient's.
      audit.details = { answered: (['purpose', 'understanding', 'satisfaction'] as const).filter((q) => answers[q] !== null).length, nurse: answers.nurse.length > 0, comment: answers.comment.length > 0 };
      return view(saved, true);
    });
  }

  return {
    openFor,

    /** A coordinator sends the survey from the case page. */
    open(actor: Actor, caseId: string) {
      return gate.run(actor, 'survey.open', caseId, async ({ tx, subject: row, audit }) => {
        const userId = actor.principal?.kind === 'user' ? actor.principal.user.id : null;
        const { row: survey, opened } = await openFor(tx, row, userId);
        audit.details = { opened };
        return view(survey, await hospital.surveyAnswersVisibleToStaff(tx));
      });
    },

    /** The survey as the caller may see it. */
    read(actor: Actor, caseId: string) {
      return gate.run(actor, 'survey.read', caseId, async ({ tx, audit }) => {
        const survey = await repo.findSurvey(tx, caseId);
        const guest = actor.principal?.kind === 'guest';
        const show = guest || (await hospital.surveyAnswersVisibleToStaff(tx));
        audit.details = { status: survey ? (survey.submittedAt ? 'submitted' : 'open') : 'not_sent', answers: !!survey && show };
        return view(survey, show);
      });
    },

    saveDraft: (actor: Actor, caseId: string, answers: SurveyAnswers) => save(actor, caseId, answers, false),
    submit: (actor: Actor, caseId: string, answers: SurveyAnswers) => save(actor, caseId, answers, true),

    /**
     * The reminder, three days after opening: one e-mail if the survey is still unanswered and the
     * case still followed; nothing if it was submitted (or reminded) meanwhile. Returns whether it sent.
     */
    remind(caseId: string): Promise<boolean> {
      return transaction(db, async (tx) => {
        const survey = await repo.findSurvey(tx, caseId, { lock: true });
        if (!survey || survey.submittedAt || survey.remindedAt) return false;
        const row = await cases.findRow(caseId, tx);
        if (!row || CLOSED.includes(row.status)) return false;
        if (!(await repo.markReminded(tx, caseId))) return false;
        await cases.tellRequester(tx, row, 'surveyReminder');
        await deps.audit.record(tx, { principal: null, ip: null }, { action: 'survey.remind', actorLabel: SURVEY_ACTOR, subjectType: 'case', subjectId: caseId, details: { case: row.number } });
        return true;
      });
    },
  };
}

/** Runs the survey's reminders in this process's worker. */
export function registerSurveyJobs(worker: JobWorker, surveys: SurveyService) {
  worker.registerHandler<{ caseId: string }>(SURVEY_REMINDER_JOB, async (job) => {
    await surveys.remind(job.payload.caseId);
  });
}
