/** Reference data and vocabularies of second-opinion requests (see docs/glossary.md). */

export const REQUESTER_TYPES = ['patient', 'family', 'intermediary', 'referring_doctor'] as const;
export type RequesterType = (typeof REQUESTER_TYPES)[number];

export const SEXES = ['male', 'female', 'other', 'unknown'] as const;

/** The departments the seed hospital counts by; administrators may add more. */
export const DEPARTMENT_CODES = [
  'hematology',
  'thoracic_medical',
  'thoracic_surgery',
  'breast_medical',
  'breast_surgery',
  'gi_medical',
  'gi_surgery',
  'endoscopy',
  'urology',
  'hbp_medical',
  'hbp_surgery',
  'esophageal',
  'orthopedic',
  'head_neck',
  'gynecology',
  'dermatology',
  'pediatric',
  'neurosurgery',
  'transplant',
  'pathology',
] as const;

/**
 * The workflow of a case. The server enforces the transitions; each change is audited and
 * timestamped, so the time from request to visit can be reported.
 */
export const CASE_STATUSES = [
  'requested',
  'triage',
  'awaiting_records',
  'ready_to_schedule',
  'scheduled',
  'consulted',
  'report_delivered',
  'closed',
  'cancelled',
  'withdrawn',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_TRANSITIONS: Record<CaseStatus, readonly CaseStatus[]> = {
  requested: ['triage', 'cancelled', 'withdrawn'],
  triage: ['awaiting_records', 'ready_to_schedule', 'cancelled', 'withdrawn'],
  awaiting_records: ['triage', 'ready_to_schedule', 'cancelled', 'withdrawn'],
  ready_to_schedule: ['awaiting_records', 'scheduled', 'cancelled', 'withdrawn'],
  scheduled: ['ready_to_schedule', 'consulted', 'cancelled', 'withdrawn'],
  // Back to scheduling only when the visit's record is corrected to "did not take place".
  consulted: ['ready_to_schedule', 'report_delivered', 'closed'],
  report_delivered: ['closed'],
  closed: [],
  cancelled: [],
  withdrawn: [],
};

export const DOCUMENT_KINDS = ['referral_letter', 'pathology_report', 'imaging', 'laboratory_results', 'treatment_history', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const DOCUMENT_STATUSES = ['requested', 'received', 'missing'] as const;

export const TEAM_ROLES = ['physician', 'nurse', 'counsellor', 'psycho_oncologist', 'interpreter'] as const;
/** `quoted`: the patient side knows the fee and has not paid; `invoiced`: an invoice was sent. */
export const PAYMENT_STATUSES = ['none', 'quoted', 'invoiced', 'paid', 'waived'] as const;
export const ELIGIBILITY = ['pending', 'eligible', 'ineligible'] as const;
export type Eligibility = (typeof ELIGIBILITY)[number];

/**
 * Who changed a case, as its history stores it: a staff member (`user`, named from their account)
 * or one of the patient-side and system sources, translated on display (`cases.actors.*`).
 */
export const HISTORY_ACTORS = ['user', 'public_form', 'patient', 'consent_withdrawn', 'system'] as const;
export type HistoryActor = (typeof HISTORY_ACTORS)[number];

export const VIDEO_PROVIDERS = ['teams', 'zoom', 'voov', 'jitsi', 'other'] as const;
export type VideoProvider = (typeof VIDEO_PROVIDERS)[number];

/** What a case waits for next, as the inbox and the home queues name it (translated `cases.nextStep.*`). */
export const NEXT_STEPS = ['screen', 'request_records', 'check_records', 'offer_times', 'hold_visit', 'write_report', 'close', 'none'] as const;
export type NextStep = (typeof NEXT_STEPS)[number];

/** The next step of a case, from its status and the screening's outcome. Pure: the same on server and web. */
export function nextStep(c: { status: CaseStatus; eligibility: Eligibility }): NextStep {
  switch (c.status) {
    case 'requested':
      return 'screen';
    case 'triage':
      return c.eligibility === 'pending' ? 'screen' : 'request_records';
    case 'awaiting_records':
      return 'check_records';
    case 'ready_to_schedule':
      return 'offer_times';
    case 'scheduled':
      return 'hold_visit';
    case 'consulted':
      return 'write_report';
    case 'report_delivered':
      return 'close';
    default:
      return 'none';
  }
}

/** A case the hospital has not acted on (status change or message to the patient side) for this many days waits too long. */
export const WAITING_TOO_LONG_DAYS = 5;

/*
 * The classification of a case after its visit, as the hospital counts second opinions
 * (GLOSSARY.md; docs/glossary.md). Statistics count by these codes: add, never rename.
 */
/** What the opinion was asked about (相談内容). */
export const CONSULTATION_SUBJECTS = ['treatment', 'diagnosis'] as const;
export type ConsultationSubject = (typeof CONSULTATION_SUBJECTS)[number];
/** The disease's stage at the visit. */
export const DISEASE_STAGES = ['early', 'advanced', 'other'] as const;
export type DiseaseStage = (typeof DISEASE_STAGES)[number];
/** What the second opinion gave (対応内容); more than one may apply. */
export const OPINION_OUTCOMES = ['new_treatment_view', 'new_diagnosis_view', 'no_new_view_needed', 'stopping_active_treatment'] as const;
export type OpinionOutcome = (typeof OPINION_OUTCOMES)[number];
/** Why the patient came (利用に至った理由). */
export const VISIT_REASONS = ['not_convinced_by_explanation', 'treatment_not_offered', 'diagnosis_inadequate', 'doctor_uncertain'] as const;
export type VisitReason = (typeof VISIT_REASONS)[number];
/** Where the patient went after the opinion (相談後の方針). */
export const DISPOSITIONS = ['returned_to_primary_doctor', 'treated_here', 'referred_to_regional_hospital', 'travel_to_japan_for_treatment'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];
/** Why a booked visit did not take place; the case can then be booked again. */
export const VISIT_NOT_HELD_REASONS = ['no_show', 'technical_failure', 'cancelled_late'] as const;
export type VisitNotHeldReason = (typeof VISIT_NOT_HELD_REASONS)[number];
/** A follow-up action after the visit: open until done, or waived (no longer needed). */
export const FOLLOW_UP_STATES = ['open', 'done', 'waived'] as const;
export type FollowUpState = (typeof FOLLOW_UP_STATES)[number];
/** The standard follow-up actions (labels `codes.followUp.*`), recognised by their code. */
export const FOLLOW_UP_CODES = ['reply_letter', 'referral_letter', 'receiving_hospital_contacted', 'visa_letter', 'cost_estimate', 'travel_dates', 'interpreter_arranged'] as const;
export type FollowUpCode = (typeof FOLLOW_UP_CODES)[number];
/**
 * Each disposition's checklist: choosing a disposition adds those of its items the case has not got
 * yet, as open actions carrying their code. Free actions (no code) stay possible beside them.
 */
export const FOLLOW_UP_CHECKLISTS: Record<Disposition, readonly FollowUpCode[]> = {
  returned_to_primary_doctor: ['reply_letter'],
  treated_here: [],
  referred_to_regional_hospital: ['referral_letter', 'receiving_hospital_contacted'],
  travel_to_japan_for_treatment: ['visa_letter', 'cost_estimate', 'travel_dates', 'interpreter_arranged'],
};
/** The team roles who may read and write the psychological-care notes of a visit (not interpreters). */
export const PSYCH_NOTE_ROLES = ['physician', 'nurse', 'counsellor', 'psycho_oncologist'] as const;
