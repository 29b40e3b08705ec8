import type { GuestScope, Role } from './roles.ts';
import { PSYCH_NOTE_ROLES, TEAM_ROLES } from './cases.ts';

/**
 * The one access policy. Every action a caller can take is named here once, with the principals
 * who may take it and how it is audited. The server's gate decides every request from this table
 * (and writes the audit event in the same transaction as the work), lists filter with the same
 * rules in SQL, the case reply's "what you may do" is computed from it, and a test walks it
 * against the real routes.
 */

/** Who may take an action; a principal matching any rule of the action is allowed. */
export type Rule =
  /** Anyone, signed in or not (sign-in, the public request form, reference data). */
  | { anyone: true }
  /** A caller without credentials (the public form); staff are matched by their own rules. */
  | { anonymous: true }
  /** Any signed-in user (staff or integration token). */
  | { signedIn: true }
  /** A user holding one of these roles. */
  | { roles: readonly Role[] }
  /** A member of the subject case's team, in one of these team roles. */
  | { team: readonly Role[] }
  /** A partner institution member whose institution is the subject case's. */
  | { institution: true }
  /** A guest link of this scope whose subject is the subject case. */
  | { guest: GuestScope }
  /** A user of one of these roles acting on their own record (their availability). */
  | { self: readonly Role[] };

/** What an action acts on; `case` and `visit` subjects are loaded so team and institution rules can be decided. */
export type SubjectKind = 'none' | 'case' | 'visit' | 'user' | 'institution' | 'api_token' | 'settings' | 'consent_version' | 'outbox' | 'pacs_destination';

/**
 * `write`: changes something; one audit event in the same transaction as the change.
 * `read`: reads patient or security data; one audit event per read.
 * `none`: reference data and the caller's own profile; not audited (sign-in and its steps are
 * audited by the auth service itself, with what the step decided).
 */
export type AuditMode = 'write' | 'read' | 'none';

export interface ActionPolicy {
  subject: SubjectKind;
  audit: AuditMode;
  allow: readonly Rule[];
}

const MANAGERS: readonly Role[] = ['admin', 'coordinator'];
const ADMIN: readonly Role[] = ['admin'];
const manage = <S extends SubjectKind>(subject: S) => ({ subject, audit: 'write' as const, allow: [{ roles: MANAGERS }] });
const admin = <S extends SubjectKind, M extends AuditMode = 'write'>(subject: S, audit: M = 'write' as M) => ({ subject, audit, allow: [{ roles: ADMIN }] });
/** Everyone who may see a case: managers, its team, its partner institution and its patient's portal link. */
const CASE_READERS: readonly Rule[] = [{ roles: MANAGERS }, { team: TEAM_ROLES }, { institution: true }, { guest: 'case_portal' }];
/** Who keeps the record of a visit and the case's classification: coordinators and the case's team. */
const RECORD_KEEPERS: readonly Rule[] = [{ roles: ['coordinator'] }, { team: TEAM_ROLES }];
/** Who may send files into a case: its readers, and an upload-request link for it (which reads nothing). */
const CASE_SENDERS: readonly Rule[] = [...CASE_READERS, { guest: 'case_upload' }];
/** Who receives the report and the reply letter, with the patient's consent: the case's partner institution, a read link. */
const SHARED_WITH: readonly Rule[] = [{ institution: true }, { guest: 'case_report' }];
/** Who makes and revokes read links for the recipient: coordinators and the team's physician. */
const LETTER_SENDERS: readonly Rule[] = [{ roles: ['coordinator'] }, { team: ['physician'] }];

export const POLICY = {
  // Sign-in and the caller's own profile
  'auth.sign_in': { subject: 'none', audit: 'none', allow: [{ anyone: true }] },
  'auth.totp': { subject: 'none', audit: 'none', allow: [{ anyone: true }] },
  'auth.sign_out': { subject: 'none', audit: 'none', allow: [{ anyone: true }] },
  'auth.password_reset': { subject: 'none', audit: 'none', allow: [{ anyone: true }] },
  'me.read': { subject: 'none', audit: 'none', allow: [{ signedIn: true }] },
  'me.update': { subject: 'none', audit: 'write', allow: [{ signedIn: true }] },

  // Reference data anyone may read
  'health.read': { subject: 'none', audit: 'none', allow: [{ anyone: true }] },
  'reference.read': { subject: 'none', audit: 'none', allow: [{ anyone: true }] },
  // The device check's speed test: anonymous, rate limited per address, nothing recorded.
  'connection.probe': { subject: 'none', audit: 'none', allow: [{ anyone: true }] },

  // Administration
  'institution.list': { subject: 'none', audit: 'none', allow: [{ signedIn: true }] },
  'institution.create': admin('institution'),
  'institution.update': admin('institution'),
  'user.list': admin('none', 'read'),
  'user.create': admin('user'),
  'user.update': admin('user'),
  'token.list': admin('none', 'read'),
  'token.create': admin('api_token'),
  'token.revoke': admin('api_token'),
  'outbox.read': admin('outbox', 'read'),
  'outbox.resend': admin('outbox'),
  'audit.read': admin('none', 'read'),
  /** The retention job's reports name cases (numbers) and what was deleted of them. */
  'retention.read': admin('none', 'read'),
  'consent.publish': admin('consent_version'),
  'settings.read': { subject: 'settings', audit: 'none', allow: [{ signedIn: true }] },
  'settings.edit': admin('settings'),
  'staff.list': { subject: 'none', audit: 'none', allow: [{ roles: MANAGERS }] },
  // The hospital's PACS (DICOMweb STOW-RS destinations): administrators set them up; the staff who
  // may send a case's images choose among them (names and addresses, never the credentials).
  'pacs_destinations.read': { subject: 'none', audit: 'none', allow: [{ roles: [...MANAGERS, ...TEAM_ROLES] }] },
  'pacs_destinations.create': admin('pacs_destination'),
  'pacs_destinations.update': admin('pacs_destination'),

  // Cases
  'case.create': { subject: 'case', audit: 'write', allow: [{ anonymous: true }, { roles: [...MANAGERS, 'partner'] }] },
  'case.list': { subject: 'none', audit: 'read', allow: CASE_READERS.filter((r) => !('guest' in r)) },
  'case.read': { subject: 'case', audit: 'read', allow: CASE_READERS },
  'case.transition': manage('case'),
  'case.screen': manage('case'),
  'case.documents': manage('case'),
  'case.assign_team': manage('case'),
  'case.fee': manage('case'),
  'case.messages_read': { subject: 'case', audit: 'read', allow: CASE_READERS },
  'case.message': { subject: 'case', audit: 'write', allow: CASE_READERS },
  'consent.withdraw': { subject: 'case', audit: 'write', allow: [{ guest: 'case_portal' }] },
  // Records sent into a case (tus uploads): whoever may see the case may add to it. Starting and
  // cancelling an upload are events; each piece of an upload under way is not (the start covers it).
  'upload.start': { subject: 'case', audit: 'write', allow: CASE_SENDERS },
  'case.files_read': { subject: 'case', audit: 'read', allow: CASE_READERS },
  /** A file's bytes, a preview, a study as a ZIP: the staff who may see the case; each download is an event. */
  'case.files_download': { subject: 'case', audit: 'read', allow: CASE_READERS.filter((r) => !('guest' in r)) },
  'upload.continue': { subject: 'case', audit: 'none', allow: CASE_SENDERS },
  // DICOMweb (QIDO-RS, WADO-RS) for viewers and PACS: whoever may see the case, its patient's portal
  // link included (an upload-request link reads nothing). A search of studies is one event; opening a
  // study (any search or retrieval inside it) is one event per study, principal and hour: the frames
  // and metadata read while it is open are covered by it (docs/records.md).
  'dicomweb.search': { subject: 'none', audit: 'read', allow: CASE_READERS },
  'dicomweb.read': { subject: 'case', audit: 'read', allow: CASE_READERS },
  'upload.cancel': { subject: 'case', audit: 'write', allow: CASE_SENDERS },
  // A mistaken file: whoever may send may ask; the service lets its sender delete it until the
  // coordinator accepted it, and managers at any time (docs/records.md).
  'case.file_delete': { subject: 'case', audit: 'write', allow: CASE_SENDERS },
  'case.files_accept': manage('case'),
  // The wrong-patient review of a held study: confirmed (with a reason) or rejected (deleted).
  'case.study_review': manage('case'),
  // The patient's ID at the hospital (and its issuer), which a PACS export may write into the images.
  'case.hospital_patient_id': manage('case'),
  // Sending a study or series to the hospital's PACS (a job), and reading how the sends went: the
  // managers and the case's team.
  'case.pacs_send': { subject: 'case', audit: 'write', allow: [{ roles: MANAGERS }, { team: TEAM_ROLES }] },
  'case.pacs_exports_read': { subject: 'case', audit: 'read', allow: [{ roles: MANAGERS }, { team: TEAM_ROLES }] },
  // Measurements saved from the viewer (lengths, angles, ellipses): the case's team and the
  // managers read and save them; the service lets only a measurement's author delete it, or a manager.
  'case.measurements_read': { subject: 'case', audit: 'read', allow: [{ roles: MANAGERS }, { team: TEAM_ROLES }] },
  'case.measurements_write': { subject: 'case', audit: 'write', allow: [{ roles: MANAGERS }, { team: TEAM_ROLES }] },
  // Upload-request links: made, listed, extended and revoked by the international department; the
  // page one opens reads only what it asks for.
  'upload_links.create': manage('case'),
  'upload_links.read': { subject: 'case', audit: 'read', allow: [{ roles: MANAGERS }] },
  'upload_links.update': manage('case'),
  'upload_link.read': { subject: 'case', audit: 'read', allow: [{ guest: 'case_upload' }] },
  'guest_links.create': manage('case'),
  'guest_links.revoke': manage('case'),
  'guest_links.send': manage('case'),
  /** The bare portal asks for a fresh link by e-mail: anyone may ask; the e-mail goes only to the address on file. */
  'portal_link.request': { subject: 'none', audit: 'write', allow: [{ anyone: true }] },

  // Scheduling
  'schedule.read': { subject: 'case', audit: 'read', allow: CASE_READERS },
  'schedule.offer': manage('case'),
  'schedule.other_times': { subject: 'case', audit: 'write', allow: [{ guest: 'case_portal' }] },
  'visit.book': { subject: 'case', audit: 'write', allow: [{ roles: MANAGERS }, { guest: 'case_portal' }] },
  'schedule.team_calendar': { subject: 'case', audit: 'read', allow: [{ roles: MANAGERS }] },
  'visit.change_request': { subject: 'case', audit: 'write', allow: [{ guest: 'case_portal' }] },
  'visit.change_decline': manage('case'),
  'visit.update': manage('visit'),
  'visit.reschedule': manage('visit'),
  'visit.cancel': manage('visit'),
  // The visit's record and the case's classification: the case's team and the coordinators, no one
  // else (not administrators, partners or the patient side). The psychological-care notes are
  // decided inside the record's read and save: the team's physicians, nurses, counsellors and
  // psycho-oncologists only (not coordinators, not interpreters); others get the record without them.
  'visit_record.read': { subject: 'visit', audit: 'read', allow: RECORD_KEEPERS },
  'visit_record.write': { subject: 'visit', audit: 'write', allow: RECORD_KEEPERS },
  'visit_record.psych_read': { subject: 'visit', audit: 'read', allow: [{ team: PSYCH_NOTE_ROLES }] },
  'visit_record.psych_write': { subject: 'visit', audit: 'write', allow: [{ team: PSYCH_NOTE_ROLES }] },
  'case.classification_read': { subject: 'case', audit: 'read', allow: RECORD_KEEPERS },
  'case.classification_write': { subject: 'case', audit: 'write', allow: RECORD_KEEPERS },
  // The patient's words (the request's medical text) and their translation: read by the record
  // keepers, translated by the team's interpreter only.
  'case.words_read': { subject: 'case', audit: 'read', allow: RECORD_KEEPERS },
  'case.words_translate': { subject: 'case', audit: 'write', allow: [{ team: ['interpreter'] }] },
  'availability.read': { subject: 'user', audit: 'none', allow: [{ roles: MANAGERS }, { self: ['physician', 'nurse', 'counsellor', 'psycho_oncologist', 'interpreter'] }] },
  'availability.edit': { subject: 'user', audit: 'write', allow: [{ roles: MANAGERS }, { self: ['physician', 'nurse', 'counsellor', 'psycho_oncologist', 'interpreter'] }] },

  // The satisfaction survey: a coordinator sends it (the report's delivery will too); the patient
  // side answers it; the case's staff see whether it was answered, and the answers only where the
  // hospital allows it (the service decides that from the hospital's settings).
  'survey.open': manage('case'),
  'survey.read': { subject: 'case', audit: 'read', allow: [{ roles: MANAGERS }, { team: TEAM_ROLES }, { guest: 'case_portal' }] },
  'survey.answer': { subject: 'case', audit: 'write', allow: [{ guest: 'case_portal' }] },
  'survey.submit': { subject: 'case', audit: 'write', allow: [{ guest: 'case_portal' }] },

  // The second-opinion report: the case's team and the coordinators read it; the team's physician
  // writes, signs and amends it; the team's interpreter (or physician) translates; the patient's
  // portal downloads the signed PDFs; anyone checks a verification code (it tells nothing of the content).
  'report.read': { subject: 'case', audit: 'read', allow: RECORD_KEEPERS },
  'report.write': { subject: 'case', audit: 'write', allow: [{ team: ['physician'] }] },
  'report.translate': { subject: 'case', audit: 'write', allow: [{ team: ['physician', 'interpreter'] }] },
  'report.translation_ready': { subject: 'case', audit: 'write', allow: [{ team: ['interpreter'] }] },
  'report.sign': { subject: 'case', audit: 'write', allow: [{ team: ['physician'] }] },
  'report.amend': { subject: 'case', audit: 'write', allow: [{ team: ['physician'] }] },
  'report.download': { subject: 'case', audit: 'read', allow: [{ roles: ['coordinator'] }, { team: TEAM_ROLES }, { guest: 'case_portal' }] },
  /** What the portal shows of the signed report (versions, times, codes): the same callers as its PDFs. */
  'report.summary': { subject: 'case', audit: 'read', allow: [{ roles: ['coordinator'] }, { team: TEAM_ROLES }, { guest: 'case_portal' }] },
  'report.verify': { subject: 'none', audit: 'none', allow: [{ anyone: true }] },
  // Follow-up questions: the portal asks, the team's physician answers in the report, its
  // interpreter (or physician) translates the patient's words; coordinators and the team read them.
  'report.follow_ups_read': { subject: 'case', audit: 'read', allow: [{ roles: ['coordinator'] }, { team: TEAM_ROLES }, { guest: 'case_portal' }] },
  'report.follow_up_ask': { subject: 'case', audit: 'write', allow: [{ guest: 'case_portal' }] },
  'report.follow_up_answer': { subject: 'case', audit: 'write', allow: [{ team: ['physician'] }] },
  'report.follow_up_translate': { subject: 'case', audit: 'write', allow: [{ team: ['physician', 'interpreter'] }] },

  // Giving the report and the reply letter (返書) to the primary doctor or referring institution:
  // the patient side consents (or withdraws) on the portal; the team's physician writes and signs the
  // letter; the case's partner institution reads both, and a read link (made by a coordinator or the
  // physician) downloads them — the service lets either through only while the consent stands.
  'report_sharing.read': { subject: 'case', audit: 'read', allow: [...RECORD_KEEPERS, { guest: 'case_portal' }] },
  'report_sharing.consent': { subject: 'case', audit: 'write', allow: [{ guest: 'case_portal' }] },
  'reply_letter.read': { subject: 'case', audit: 'read', allow: RECORD_KEEPERS },
  'reply_letter.write': { subject: 'case', audit: 'write', allow: [{ team: ['physician'] }] },
  'reply_letter.download': { subject: 'case', audit: 'read', allow: [...RECORD_KEEPERS, ...SHARED_WITH] },
  'shared_documents.read': { subject: 'case', audit: 'read', allow: SHARED_WITH },
  'shared_documents.report': { subject: 'case', audit: 'read', allow: SHARED_WITH },
  'report_links.create': { subject: 'case', audit: 'write', allow: LETTER_SENDERS },
  'report_links.read': { subject: 'case', audit: 'read', allow: LETTER_SENDERS },
  'report_links.update': { subject: 'case', audit: 'write', allow: LETTER_SENDERS },

  // The audit trail
  /** A case's own trail (who opened or changed it): reading it is itself audited. */
  // Statistics: counts only, never a case's row; a partner member's are of their own institution (the query says so).
  'stats.read': { subject: 'none', audit: 'read', allow: [{ roles: ['admin', 'coordinator', 'analyst', 'partner'] }] },
  // The history import: consultations from before the platform, counted like live cases.
  'stats.import': manage('none'),
  'case.audit_read': { subject: 'case', audit: 'read', allow: [{ roles: MANAGERS }] },
  /** The whole log for a period, as a file for an auditor. */
  'audit.export': admin('none', 'read'),

  // Programme indicators (plans versus actuals of a fiscal year): analysts, administrators and
  // coordinators read the programme's; a partner member reads their own institution's figures (the
  // service narrows them); only administrators enter plans and hand-counted actuals.
  'indicators.read': { subject: 'none', audit: 'read', allow: [{ roles: [...MANAGERS, 'analyst', 'partner'] }] },
  'indicators.edit': admin('none'),
} as const satisfies Record<string, ActionPolicy>;

export type Action = keyof typeof POLICY;
export const ACTIONS = Object.keys(POLICY) as Action[];

/** Who is asking, as far as the policy cares. */
export type PolicyPrincipal =
  | { kind: 'user'; userId: string; role: Role; institutionId: string | null }
  | { kind: 'guest'; scope: GuestScope; subjectId: string }
  | null;

/** What the policy needs to know of the subject: the case it belongs to, and the caller's place in it. */
export interface PolicySubject {
  /** The case (of a case or visit subject). */
  caseId?: string;
  caseInstitutionId?: string | null;
  /** The caller's role on the case's team, if they are on it. */
  teamRole?: Role | null;
  /** The user a user subject is (availability). */
  userId?: string;
}

function matches(rule: Rule, p: PolicyPrincipal, s: PolicySubject): boolean {
  if ('anyone' in rule) return true;
  if ('anonymous' in rule) return p === null;
  if (p === null) return false;
  if ('guest' in rule) return p.kind === 'guest' && p.scope === rule.guest && !!s.caseId && p.subjectId === s.caseId;
  if (p.kind !== 'user') return false;
  if ('signedIn' in rule) return true;
  if ('roles' in rule) return rule.roles.includes(p.role);
  if ('team' in rule) return !!s.teamRole && rule.team.includes(s.teamRole);
  if ('institution' in rule) return p.role === 'partner' && !!p.institutionId && s.caseInstitutionId === p.institutionId;
  if ('self' in rule) return rule.self.includes(p.role) && !!s.userId && s.userId === p.userId;
  return false;
}

/** Whether the principal may take the action on the subject. Pure: the same answer on server and client. */
export function decide(action: Action, p: PolicyPrincipal, s: PolicySubject = {}): boolean {
  return (POLICY[action].allow as readonly Rule[]).some((rule) => matches(rule, p, s));
}

/** The actions on a case (or its visit) the principal may take: the reply's "what you may do". */
export function caseActions(p: PolicyPrincipal, s: PolicySubject): Action[] {
  return ACTIONS.filter((a) => (POLICY[a].subject === 'case' || POLICY[a].subject === 'visit') && a !== 'case.create' && decide(a, p, s));
}

/**
 * How a list is narrowed, from the same rules: for a user every case (a role rule matches), or the
 * cases of their team and/or of their institution; for a guest link its own case, when a rule of the
 * action names its scope. Null: the caller may list nothing.
 */
export type CaseScope =
  | { all: true }
  | { all: false; team: { userId: string; roles: readonly Role[] } | null; institutionId: string | null; caseId?: string };
export function caseScope(action: Action, p: PolicyPrincipal): CaseScope | null {
  if (p?.kind === 'guest') {
    const named = (POLICY[action].allow as readonly Rule[]).some((rule) => 'guest' in rule && rule.guest === p.scope);
    return named ? { all: false, team: null, institutionId: null, caseId: p.subjectId } : null;
  }
  if (p?.kind !== 'user') return null;
  let team: { userId: string; roles: readonly Role[] } | null = null;
  let institutionId: string | null = null;
  for (const rule of POLICY[action].allow as readonly Rule[]) {
    if ('anyone' in rule || 'signedIn' in rule || ('roles' in rule && rule.roles.includes(p.role))) return { all: true };
    if ('team' in rule) team = { userId: p.userId, roles: rule.team };
    if ('institution' in rule && p.role === 'partner' && p.institutionId) institutionId = p.institutionId;
  }
  // A team rule matches only members: someone who can never be on a team (an analyst) lists nothing.
  if (team && !team.roles.includes(p.role)) team = null;
  return team || institutionId ? { all: false, team, institutionId } : null;
}
