import { describe, expect, it } from 'vitest';
import { ACTIONS, caseActions, caseScope, decide, POLICY, type Action, type PolicyPrincipal, type PolicySubject } from './policy.ts';
import { ROLES, type Role } from './roles.ts';
import { TEAM_ROLES } from './cases.ts';

/**
 * The policy table, written out by hand as who may do what. Changing who may take an action means
 * changing this list too, in the same commit, where a reviewer sees it: widening `consent.publish`
 * to nurses, say, turns this test red until someone writes "nurse" here on purpose.
 *
 * Kinds of caller: a role on its own (not on the case's team, partners of another institution);
 * `team:<role>` on the case's team; `partner:own` of the case's institution; `self:<role>` on their
 * own record; `guest:own` / `guest:other` a portal link of this case or of another; `upload:…` an upload-request
 * link, `report:…` a read link for the primary doctor; `anonymous`.
 */
const EXPECTED: Record<Action, string> = {
  'auth.sign_in': 'everyone',
  'auth.totp': 'everyone',
  'auth.sign_out': 'everyone',
  'auth.password_reset': 'everyone',
  'me.read': 'staff',
  'me.update': 'staff',
  'health.read': 'everyone',
  'reference.read': 'everyone',
  'connection.probe': 'everyone',
  'institution.list': 'staff',
  'institution.create': 'admin',
  'institution.update': 'admin',
  'user.list': 'admin',
  'user.create': 'admin',
  'user.update': 'admin',
  'token.list': 'admin',
  'token.create': 'admin',
  'token.revoke': 'admin',
  'outbox.read': 'admin',
  'outbox.resend': 'admin',
  'audit.read': 'admin',
  'retention.read': 'admin',
  'consent.publish': 'admin',
  'settings.read': 'staff',
  'settings.edit': 'admin',
  'staff.list': 'admin coordinator',
  'pacs_destinations.read': 'admin coordinator physician nurse counsellor psycho_oncologist interpreter',
  'pacs_destinations.create': 'admin',
  'pacs_destinations.update': 'admin',
  'case.create': 'anonymous admin coordinator partner',
  'case.list': 'admin coordinator physician nurse counsellor psycho_oncologist interpreter partner',
  'case.read': 'admin coordinator team partner:own guest:own',
  'case.transition': 'admin coordinator',
  'case.screen': 'admin coordinator',
  'case.documents': 'admin coordinator',
  'case.assign_team': 'admin coordinator',
  'case.fee': 'admin coordinator',
  'case.messages_read': 'admin coordinator team partner:own guest:own',
  'case.message': 'admin coordinator team partner:own guest:own',
  'consent.withdraw': 'guest:own',
  'upload.start': 'admin coordinator team partner:own guest:own upload:own',
  'case.files_read': 'admin coordinator team partner:own guest:own',
  'case.files_download': 'admin coordinator team partner:own',
  // A search covers the caller's own cases: a portal link its case (either link may search, and finds only its own).
  'dicomweb.search': 'admin coordinator physician nurse counsellor psycho_oncologist interpreter partner guest:own guest:other',
  'dicomweb.read': 'admin coordinator team partner:own guest:own',
  'upload.continue': 'admin coordinator team partner:own guest:own upload:own',
  'upload.cancel': 'admin coordinator team partner:own guest:own upload:own',
  'case.file_delete': 'admin coordinator team partner:own guest:own upload:own',
  'case.files_accept': 'admin coordinator',
  'case.study_review': 'admin coordinator',
  'case.hospital_patient_id': 'admin coordinator',
  'case.pacs_send': 'admin coordinator team',
  'case.pacs_exports_read': 'admin coordinator team',
  'case.measurements_read': 'admin coordinator team',
  'case.measurements_write': 'admin coordinator team',
  'upload_links.create': 'admin coordinator',
  'upload_links.read': 'admin coordinator',
  'upload_links.update': 'admin coordinator',
  'upload_link.read': 'upload:own',
  'guest_links.create': 'admin coordinator',
  'guest_links.revoke': 'admin coordinator',
  'guest_links.send': 'admin coordinator',
  'portal_link.request': 'everyone',
  'schedule.read': 'admin coordinator team partner:own guest:own',
  'schedule.offer': 'admin coordinator',
  'schedule.other_times': 'guest:own',
  'visit.book': 'admin coordinator guest:own',
  'schedule.team_calendar': 'admin coordinator',
  'visit.change_request': 'guest:own',
  'survey.open': 'admin coordinator',
  'survey.read': 'admin coordinator team guest:own',
  'survey.answer': 'guest:own',
  'survey.submit': 'guest:own',
  'visit.change_decline': 'admin coordinator',
  'visit.update': 'admin coordinator',
  'visit.reschedule': 'admin coordinator',
  'visit.cancel': 'admin coordinator',
  'visit_record.read': 'coordinator team',
  'visit_record.write': 'coordinator team',
  'visit_record.psych_read': 'team:physician team:nurse team:counsellor team:psycho_oncologist',
  'visit_record.psych_write': 'team:physician team:nurse team:counsellor team:psycho_oncologist',
  'case.classification_read': 'coordinator team',
  'case.classification_write': 'coordinator team',
  'case.words_read': 'coordinator team',
  'case.words_translate': 'team:interpreter',
  'availability.read': 'admin coordinator self',
  'availability.edit': 'admin coordinator self',
  'report.read': 'coordinator team',
  'report.write': 'team:physician',
  'report.translate': 'team:physician team:interpreter',
  'report.translation_ready': 'team:interpreter',
  'report.sign': 'team:physician',
  'report.amend': 'team:physician',
  'report.download': 'coordinator team guest:own',
  'report.summary': 'coordinator team guest:own',
  'report.verify': 'everyone',
  'report.follow_ups_read': 'coordinator team guest:own',
  'report.follow_up_ask': 'guest:own',
  'report.follow_up_answer': 'team:physician',
  'report.follow_up_translate': 'team:physician team:interpreter',
  'report_sharing.read': 'coordinator team guest:own',
  'report_sharing.consent': 'guest:own',
  'reply_letter.read': 'coordinator team',
  'reply_letter.write': 'team:physician',
  'reply_letter.download': 'coordinator team partner:own report:own',
  'shared_documents.read': 'partner:own report:own',
  'shared_documents.report': 'partner:own report:own',
  'report_links.create': 'coordinator team:physician',
  'report_links.read': 'coordinator team:physician',
  'report_links.update': 'coordinator team:physician',
  'stats.read': 'admin coordinator analyst partner',
  'stats.import': 'admin coordinator',
  'case.audit_read': 'admin coordinator',
  'audit.export': 'admin',
  'indicators.read': 'admin coordinator analyst partner',
  'indicators.edit': 'admin',
};

const CASE = 'c0000000-0000-4000-8000-000000000001';
const OTHER_CASE = 'c0000000-0000-4000-8000-000000000002';
const INSTITUTION = 'i0000000-0000-4000-8000-000000000001';
const OTHER_INSTITUTION = 'i0000000-0000-4000-8000-000000000002';
const ME = 'u0000000-0000-4000-8000-000000000001';
const SOMEONE_ELSE = 'u0000000-0000-4000-8000-000000000002';

interface Caller {
  name: string;
  principal: PolicyPrincipal;
  teamRole?: Role;
}

const user = (role: Role, institutionId: string | null = null): PolicyPrincipal => ({ kind: 'user', userId: ME, role, institutionId });
const CALLERS: Caller[] = [
  { name: 'anonymous', principal: null },
  ...ROLES.map((role) => ({ name: role, principal: user(role, role === 'partner' ? OTHER_INSTITUTION : null) })),
  ...TEAM_ROLES.map((role) => ({ name: `team:${role}`, principal: user(role), teamRole: role })),
  { name: 'partner:own', principal: user('partner', INSTITUTION) },
  ...TEAM_ROLES.map((role) => ({ name: `self:${role}`, principal: user(role) })),
  { name: 'guest:own', principal: { kind: 'guest', scope: 'case_portal', subjectId: CASE } },
  { name: 'guest:other', principal: { kind: 'guest', scope: 'case_portal', subjectId: OTHER_CASE } },
  // An upload-request link: sends into its case, reads nothing of it.
  { name: 'upload:own', principal: { kind: 'guest', scope: 'case_upload', subjectId: CASE } },
  { name: 'upload:other', principal: { kind: 'guest', scope: 'case_upload', subjectId: OTHER_CASE } },
  // A read link for the primary doctor: downloads the letter and the report of its case, nothing else.
  { name: 'report:own', principal: { kind: 'guest', scope: 'case_report', subjectId: CASE } },
  { name: 'report:other', principal: { kind: 'guest', scope: 'case_report', subjectId: OTHER_CASE } },
];

/** The subject each caller is asked about: the case (with their place on it), or a user record. */
function subjectFor(action: Action, c: Caller): PolicySubject {
  const kind = POLICY[action].subject;
  if (kind === 'case' || kind === 'visit') return { caseId: CASE, caseInstitutionId: INSTITUTION, teamRole: c.teamRole ?? null };
  if (kind === 'user') return { userId: c.name.startsWith('self:') ? ME : SOMEONE_ELSE };
  return {};
}

/** Actions over a list of cases: allowed to whoever has a scope of cases to see. */
const LISTS = new Set<Action>(['case.list', 'dicomweb.search']);

/** Expands the shorthand of EXPECTED into caller names. */
function expand(spec: string): Set<string> {
  const out = new Set<string>();
  for (const word of spec.split(' ')) {
    if (word === 'everyone') CALLERS.forEach((c) => out.add(c.name));
    else if (word === 'staff') CALLERS.filter((c) => c.principal?.kind === 'user').forEach((c) => out.add(c.name));
    else if (word === 'team') TEAM_ROLES.forEach((r) => out.add(`team:${r}`));
    else if (word === 'self') TEAM_ROLES.forEach((r) => out.add(`self:${r}`));
    else if ((ROLES as readonly string[]).includes(word)) {
      // A role rule covers its holders wherever they stand: on the team, of either institution, on their own record.
      CALLERS.filter((c) => c.principal?.kind === 'user' && c.principal.role === word).forEach((c) => out.add(c.name));
    } else out.add(word);
  }
  return out;
}

describe('the policy table', () => {
  it('lets exactly the callers written here take each action', () => {
    const actual: Record<string, string[]> = {};
    const expected: Record<string, string[]> = {};
    for (const action of ACTIONS) {
      // A list is allowed to whoever has a scope of cases to see (their team's, their institution's, all).
      const may = (c: Caller) => (LISTS.has(action) ? caseScope(action, c.principal) !== null : decide(action, c.principal, subjectFor(action, c)));
      actual[action] = CALLERS.filter(may).map((c) => c.name).sort();
      expected[action] = [...expand(EXPECTED[action])].sort();
    }
    expect(actual).toEqual(expected);
  });

  it('names every action once, with its subject and audit', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...ACTIONS].sort());
    for (const action of ACTIONS) {
      expect(['write', 'read', 'none']).toContain(POLICY[action].audit);
      // Whatever changes something is audited (the speed probe's upload is read and thrown away).
      if (POLICY[action].audit === 'none') expect(action, 'a change with no audit event').toMatch(/^(auth\.|me\.read|health|reference|institution\.list|settings\.read|staff\.list|pacs_destinations\.read$|availability\.read|connection\.probe$|upload\.continue$|report\.verify$)/);
    }
  });

  it('filters lists with the same rules it decides a single case by', () => {
    expect(caseScope('case.list', user('coordinator'))).toEqual({ all: true });
    expect(caseScope('case.list', user('nurse'))).toEqual({ all: false, team: { userId: ME, roles: TEAM_ROLES }, institutionId: null });
    expect(caseScope('case.list', user('partner', INSTITUTION))).toEqual({ all: false, team: null, institutionId: INSTITUTION });
    expect(caseScope('case.list', user('analyst'))).toBeNull();
    expect(caseScope('case.list', user('partner', null))).toBeNull();
    expect(caseScope('case.list', { kind: 'guest', scope: 'case_portal', subjectId: CASE })).toBeNull();
    // A guest link lists its own case, where the action names its scope.
    expect(caseScope('dicomweb.search', { kind: 'guest', scope: 'case_portal', subjectId: CASE })).toEqual({ all: false, team: null, institutionId: null, caseId: CASE });
    expect(caseScope('dicomweb.search', { kind: 'guest', scope: 'case_upload', subjectId: CASE })).toBeNull();
  });

  it('tells each caller what they may do on a case', () => {
    const coordinator = caseActions(user('coordinator'), { caseId: CASE, caseInstitutionId: null, teamRole: null });
    expect(coordinator).toContain('schedule.offer');
    expect(coordinator).not.toContain('consent.withdraw');
    const guest = caseActions({ kind: 'guest', scope: 'case_portal', subjectId: CASE }, { caseId: CASE, caseInstitutionId: null, teamRole: null });
    const records = ['visit_record.read', 'visit_record.write', 'case.classification_read', 'case.classification_write', 'case.words_read'];
    const uploads = ['upload.start', 'upload.continue', 'upload.cancel', 'case.files_read', 'case.file_delete'];
    expect(guest.sort()).toEqual(['case.message', 'case.messages_read', 'case.read', 'consent.withdraw', 'report.download', 'report.follow_ups_read', 'report.follow_up_ask', 'report.summary', 'schedule.other_times', 'schedule.read', 'survey.answer', 'dicomweb.read', 'survey.read', 'survey.submit', 'visit.book', 'visit.change_request', ...uploads, 'report_sharing.consent', 'report_sharing.read'].sort());
    expect(caseActions(user('nurse'), { caseId: CASE, caseInstitutionId: null, teamRole: 'nurse' }).sort()).toEqual(['case.files_download', 'dicomweb.read', 'case.message', 'case.messages_read', 'case.read', 'schedule.read', 'survey.read', 'report.read', 'report.download', 'report.follow_ups_read', 'report.summary', ...uploads, ...records, 'visit_record.psych_read', 'visit_record.psych_write', 'report_sharing.read', 'reply_letter.read', 'reply_letter.download', 'case.pacs_send', 'case.pacs_exports_read', 'case.measurements_read', 'case.measurements_write'].sort());
    // An interpreter on the team keeps the record, without the psychological-care notes.
    const interpreter = caseActions(user('interpreter'), { caseId: CASE, caseInstitutionId: null, teamRole: 'interpreter' });
    expect(interpreter).not.toContain('visit_record.psych_read');
    // Only the team's interpreter translates the patient's words.
    expect(interpreter).toContain('case.words_translate');
    expect(caseActions(user('interpreter'), { caseId: CASE, caseInstitutionId: null, teamRole: null })).not.toContain('case.words_translate');
  });
});
