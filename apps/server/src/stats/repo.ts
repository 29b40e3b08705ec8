import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';

/** The local day of a timestamp in the hospital's zone. */
const localDay = (zone: string, ts: SQL) => sql`(${ts} at time zone ${zone})::date`;

/**
 * Recomputes the fact rows of live cases from their source tables (the case, its classification,
 * its first held visit, its report's delivery, its submitted survey): of one case, or of every case
 * without a fact row yet (`caseId` null: the start-up backfill).
 */
export async function refreshCaseFacts(db: Db, zone: string, caseId: string | null): Promise<void> {
  const which = caseId ? sql`c.id = ${caseId}` : sql`not exists (select 1 from consultation_facts f where f.case_id = c.id)`;
  await db.execute(sql`
    insert into consultation_facts (case_id, case_number, counted, institution_id, department, language, country,
      residence, requester, sex, stage, subject, outcomes, reason, disposition,
      survey_purpose, survey_understanding, survey_satisfaction, survey_nurse,
      requested_on, requested_month, visited_on, reported_on)
    select c.id, c.number, v.started is not null, c.institution_id, c.department, c.locale, c.country,
      case when c.country = 'JP' then null else 'overseas' end,
      c.requester->>'type', c.patient->>'sex', cl.stage, cl.subject, coalesce(cl.outcomes, '{}'), cl.reason, cl.disposition,
      s.purpose, s.understanding, s.satisfaction, s.nurse,
      ${localDay(zone, sql`c.created_at`)}, to_char(${localDay(zone, sql`c.created_at`)}, 'YYYY-MM'),
      ${localDay(zone, sql`v.started`)}, ${localDay(zone, sql`r.delivered_at`)}
    from cases c
    left join case_classifications cl on cl.case_id = c.id
    left join lateral (select min(coalesce(vr.started_at, vi.starts_at)) as started
      from visit_records vr join visits vi on vi.id = vr.visit_id where vr.case_id = c.id and vr.held) v on true
    left join reports r on r.case_id = c.id
    left join surveys s on s.case_id = c.id and s.submitted_at is not null
    where ${which}
    on conflict (case_id) do update set case_number = excluded.case_number, counted = excluded.counted,
      institution_id = excluded.institution_id, department = excluded.department, language = excluded.language,
      country = excluded.country, residence = excluded.residence, requester = excluded.requester, sex = excluded.sex,
      stage = excluded.stage, subject = excluded.subject, outcomes = excluded.outcomes, reason = excluded.reason,
      disposition = excluded.disposition, survey_purpose = excluded.survey_purpose,
      survey_understanding = excluded.survey_understanding, survey_satisfaction = excluded.survey_satisfaction,
      survey_nurse = excluded.survey_nurse, requested_on = excluded.requested_on,
      requested_month = excluded.requested_month, visited_on = excluded.visited_on, reported_on = excluded.reported_on`);
}
