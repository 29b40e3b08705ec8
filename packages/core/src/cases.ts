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
  consulted: ['report_delivered', 'closed'],
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

export const VIDEO_PROVIDERS = ['teams', 'zoom', 'voov', 'jitsi', 'other'] as const;
export type VideoProvider = (typeof VIDEO_PROVIDERS)[number];
