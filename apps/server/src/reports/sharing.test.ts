import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { adminClient, buildCaseRequest, Client, outbox, signedInUser, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
let consentId = '';
let institution = '';
let otherInstitution = '';
type Who = { id: string; email: string; client: Client };
let coordinator: Who, physician: Who, nurse: Who, interpreter: Who, partner: Who, otherPartner: Who;
let n = 0;

const content = (opinion: string) => ({
  caseSummary: 'Patient 王 Test, 62, referred with a CT of the chest (fictional).',
  questions: [],
  diagnosisOpinion: opinion,
  treatmentOpinion: '',
  recommendations: 'Discuss a clinical trial (test).',
  discussWithPrimaryDoctor: 'The timing of the next CT (test).',
});
const LETTER = {
  language: 'en',
  recipient: { name: 'Dr Li Test', institution: 'Example People’s Hospital (Test)', department: 'Oncology' },
  date: '2026-12-06',
  note: 'Thank you for referring Patient 王 Test.',
};

/** A case through the partner institution (or none), with its team and its portal link; its report signed in English if asked. */
async function newCase(opts: { partner?: boolean; signed?: boolean; noDoctor?: boolean } = {}) {
  const base = buildCaseRequest({}, consentId);
  const medical = opts.noDoctor ? { ...base.medical, primaryDoctor: '', primaryHospital: '' } : base.medical;
  const created = await coordinator.client.post('/api/v1/cases', { ...base, medical, requester: { ...base.requester, email: `sharing${++n}@example.org` }, ...(opts.partner ? { institutionId: institution } : {}) });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await coordinator.client.post(`/api/v1/cases/${id}/screening`, { eligibility: 'eligible' });
  const team = [physician, nurse, interpreter].map((w, i) => ({ userId: w.id, role: ['physician', 'nurse', 'interpreter'][i] }));
  expect((await coordinator.client.put(`/api/v1/cases/${id}/team`, { members: team })).status).toBe(200);
  const portal = (await coordinator.client.post(`/api/v1/cases/${id}/guest-links`)).body.token as string;
  if (opts.signed !== false) {
    expect((await physician.client.put(`/api/v1/cases/${id}/report/original`, { language: 'en', version: 0, content: content('Agrees with the diagnosis (test).') })).status).toBe(200);
    expect((await physician.client.post(`/api/v1/cases/${id}/report/texts/en/sign`, { version: 1 })).status).toBe(200);
  }
  return { id, number: created.body.number as string, portal };
}

const guest = (token: string, method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}, remoteAddress = '10.61.0.1') =>
  t.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'accept-language': 'en', ...headers }, remoteAddress, ...(body === undefined ? {} : { payload: body as object }) });
const consent = (c: { id: string; portal: string }, given: boolean) => guest(c.portal, 'PUT', `/api/v1/cases/${c.id}/report-sharing`, { given });
const events = async (caseId: string, action: string) =>
  rowsOf<{ outcome: string; details: Record<string, unknown> }>(await t.db.execute(sql`select outcome, details from audit_events where subject_id = ${caseId} and action = ${action} order by id`));
const letterRows = async (caseId: string) => rowsOf<{ report_version: number }>(await t.db.execute(sql`select report_version from reply_letters where case_id = ${caseId} order by report_version`));
const tool = (cmd: string, bytes: Buffer, args: string[] = []) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'letter-')), 'letter.pdf');
  writeFileSync(file, bytes);
  return spawnSync(cmd, [...args, file, ...(cmd === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' }).stdout;
};
/** Makes a read link as the coordinator: its token and id. */
async function readLink(caseId: string, passcode = 'letter-pass-1') {
  const made = await coordinator.client.post(`/api/v1/cases/${caseId}/report-links`, { days: 7, passcode, label: 'Dr Li Test, Example People’s Hospital', locale: 'zh-CN' });
  expect(made.status).toBe(201);
  return { id: made.body.id as string, token: (made.body.url as string).split('#')[1], url: made.body.url as string };
}

beforeAll(async () => {
  const admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  institution = (await admin.post('/api/v1/institutions', { name: 'Example Partner Hospital (Test)', country: 'CN', kind: 'partner' })).body.id;
  otherInstitution = (await admin.post('/api/v1/institutions', { name: 'Other Partner Hospital (Test)', country: 'CN', kind: 'partner' })).body.id;
  coordinator = await signedInUser(t, { role: 'coordinator', name: 'Coordinator Test' });
  physician = await signedInUser(t, { role: 'physician', name: 'Dr Physician Test' });
  nurse = await signedInUser(t, { role: 'nurse', name: 'Nurse Test' });
  interpreter = await signedInUser(t, { role: 'interpreter', name: 'Interpreter Test' });
  partner = await signedInUser(t, { role: 'partner', name: 'Partner Test', institutionId: institution });
  otherPartner = await signedInUser(t, { role: 'partner', name: 'Other Partner Test', institutionId: otherInstitution });
}, 60_000);

describe('the patient side’s consent', () => {
  it('is given and withdrawn by the portal only, audited, and shown to staff on the case', async () => {
    // A request that named no primary doctor: nothing to suggest.
    const c = await newCase({ signed: false, noDoctor: true });
    const other = await newCase({ signed: false });
    expect((await guest(c.portal, 'GET', `/api/v1/cases/${c.id}/report-sharing`)).json()).toEqual({ consent: null });
    // Staff cannot give it for the patient; another case's portal cannot see or give it.
    expect((await coordinator.client.put(`/api/v1/cases/${c.id}/report-sharing`, { given: true })).status).toBe(403);
    expect((await guest(other.portal, 'PUT', `/api/v1/cases/${c.id}/report-sharing`, { given: true })).statusCode).toBe(404);
    expect((await guest(c.portal, 'PUT', `/api/v1/cases/${c.id}/report-sharing`, { given: 'yes' })).statusCode).toBe(400);

    const given = await consent(c, true);
    expect(given.statusCode).toBe(200);
    expect(given.json().consent).toMatchObject({ given: true });
    const seen = await nurse.client.get(`/api/v1/cases/${c.id}/reply-letter`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ consent: { given: true }, letter: null, reportVersion: 0, signedLanguages: [], institution: null, suggestedRecipient: { name: '', institution: '', department: '' } });
    expect((await consent(c, false)).json().consent).toMatchObject({ given: false });
    expect((await events(c.id, 'report_sharing.consent')).map((e) => [e.outcome, e.details.given])).toEqual([
      ['denied', undefined],
      ['denied', undefined],
      ['allowed', true],
      ['allowed', false],
    ]);
  });
});

describe('the reply letter', () => {
  it('is written by the team’s physician once the report is signed, prefilled from the request, signed (PAdES) and stored', async () => {
    const c = await newCase({ signed: false });
    const before = await physician.client.post(`/api/v1/cases/${c.id}/reply-letter`, LETTER);
    expect(before.status).toBe(409);
    expect(before.body.error.code).toBe('report_not_signed');
    expect((await physician.client.put(`/api/v1/cases/${c.id}/report/original`, { language: 'en', version: 0, content: content('Agrees with the diagnosis (test).') })).status).toBe(200);
    expect((await physician.client.post(`/api/v1/cases/${c.id}/report/texts/en/sign`, { version: 1 })).status).toBe(200);

    const view = await physician.client.get(`/api/v1/cases/${c.id}/reply-letter`);
    const medical = buildCaseRequest({}, consentId).medical;
    expect(view.body).toMatchObject({ reportVersion: 1, signedLanguages: ['en'], suggestedRecipient: { name: medical.primaryDoctor ?? '', institution: medical.primaryHospital ?? '' } });
    // Not the nurse; not in a language the report is not signed in; no text that cannot be stored.
    expect((await nurse.client.post(`/api/v1/cases/${c.id}/reply-letter`, LETTER)).status).toBe(403);
    const unsigned = await physician.client.post(`/api/v1/cases/${c.id}/reply-letter`, { ...LETTER, language: 'zh-CN' });
    expect([unsigned.status, unsigned.body.error.code]).toEqual([404, 'report_text_missing']);
    for (const bad of [{ ...LETTER, note: 'Bad \u0000 note' }, { ...LETTER, recipient: { ...LETTER.recipient, name: '' } }, { ...LETTER, date: '2026-13-40' }]) {
      expect((await physician.client.post(`/api/v1/cases/${c.id}/reply-letter`, bad)).status).toBe(400);
    }
    expect(await letterRows(c.id)).toEqual([]);

    const written = await physician.client.post(`/api/v1/cases/${c.id}/reply-letter`, LETTER);
    expect(written.status).toBe(200);
    expect(written.body).toMatchObject({ letterCurrent: true, letter: { language: 'en', reportVersion: 1, letter: { recipient: LETTER.recipient, note: LETTER.note }, writtenBy: { name: 'Dr Physician Test' } } });
    const again = await physician.client.post(`/api/v1/cases/${c.id}/reply-letter`, LETTER);
    expect([again.status, again.body.error.code]).toEqual([409, 'reply_letter_written']);

    const pdf = await coordinator.client.get(`/api/v1/cases/${c.id}/reply-letter.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const bytes = pdf.raw.rawPayload;
    expect(tool('pdfsig', bytes)).toContain('Signature is Valid.');
    const text = tool('pdftotext', bytes);
    expect(text).toContain('Dr Li Test');
    expect(text).toContain(LETTER.note);
    const report = (await coordinator.client.get(`/api/v1/cases/${c.id}/report`)).body;
    expect(text).toContain(report.texts[0].verificationCode);
    // The audit events say which letter, never what it says.
    const [write] = await events(c.id, 'reply_letter.write').then((e) => e.filter((x) => x.outcome === 'allowed'));
    expect(JSON.stringify(write.details)).not.toContain('Dr Li Test');
    expect((await events(c.id, 'reply_letter.download')).map((e) => e.outcome)).toEqual(['allowed']);

    // After an amendment is signed the letter is no longer current; writing again makes a new one.
    expect((await physician.client.post(`/api/v1/cases/${c.id}/report/amend`, { reason: 'Corrected a date (test).' })).status).toBe(200);
    const v2 = (await physician.client.get(`/api/v1/cases/${c.id}/report`)).body.texts[0];
    expect((await physician.client.post(`/api/v1/cases/${c.id}/report/texts/en/sign`, { version: v2.version })).status).toBe(200);
    expect((await physician.client.get(`/api/v1/cases/${c.id}/reply-letter`)).body).toMatchObject({ letterCurrent: false, reportVersion: 2, letter: { reportVersion: 1 } });
    const rewritten = await physician.client.post(`/api/v1/cases/${c.id}/reply-letter`, LETTER);
    expect(rewritten.body).toMatchObject({ letterCurrent: true, letter: { reportVersion: 2 } });
    expect(await letterRows(c.id)).toEqual([{ report_version: 1 }, { report_version: 2 }]);
  });
});

describe('a partner institution’s members', () => {
  it('see the letter and the report of their institution’s case only while the patient consents', async () => {
    const c = await newCase({ partner: true });
    expect((await physician.client.post(`/api/v1/cases/${c.id}/reply-letter`, LETTER)).status).toBe(200);
    const shared = `/api/v1/cases/${c.id}/shared`;
    // Without consent: nothing to see, like any unseen thing.
    expect((await partner.client.get(shared)).status).toBe(404);
    expect((await partner.client.get(`/api/v1/cases/${c.id}/reply-letter.pdf`)).status).toBe(404);
    expect((await partner.client.get(`${shared}/report.pdf?lang=en`)).status).toBe(404);

    await consent(c, true);
    const list = await partner.client.get(shared);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ caseNumber: c.number, letter: { language: 'en', date: LETTER.date, reportVersion: 1 }, report: [{ language: 'en', version: 1 }], expiresAt: null });
    expect((await partner.client.get(`/api/v1/cases/${c.id}/reply-letter.pdf`)).headers['content-type']).toBe('application/pdf');
    expect((await partner.client.get(`${shared}/report.pdf?lang=en`)).status).toBe(200);
    expect((await partner.client.get(`${shared}/report.pdf?lang=ja`)).status).toBe(404);
    // The staff view names the institution; a partner of another institution sees nothing.
    expect((await coordinator.client.get(`/api/v1/cases/${c.id}/reply-letter`)).body.institution).toBe('Example Partner Hospital (Test)');
    expect((await otherPartner.client.get(shared)).status).toBe(404);
    expect((await otherPartner.client.get(`/api/v1/cases/${c.id}/reply-letter.pdf`)).status).toBe(404);
    // Withdrawn: gone again.
    await consent(c, false);
    expect((await partner.client.get(shared)).status).toBe(404);
  });
});

describe('read links for the primary doctor', () => {
  it('need the consent and a signed report, and a passcode', async () => {
    const c = await newCase({ signed: false });
    const body = { days: 7, passcode: 'letter-pass-1', label: 'Dr Li Test', locale: 'en' };
    const noConsent = await coordinator.client.post(`/api/v1/cases/${c.id}/report-links`, body);
    expect([noConsent.status, noConsent.body.error.code]).toEqual([409, 'sharing_consent_missing']);
    await consent(c, true);
    const unsigned = await coordinator.client.post(`/api/v1/cases/${c.id}/report-links`, body);
    expect([unsigned.status, unsigned.body.error.code]).toEqual([409, 'report_not_signed']);
    const { passcode: _, ...withoutPasscode } = body;
    expect((await coordinator.client.post(`/api/v1/cases/${c.id}/report-links`, withoutPasscode)).status).toBe(400);
    expect((await coordinator.client.post(`/api/v1/cases/${c.id}/report-links`, { ...body, label: 'Dr \u0000' })).status).toBe(400);
    expect((await nurse.client.post(`/api/v1/cases/${c.id}/report-links`, body)).status).toBe(403);
  });

  it('download the letter and the report of their case, and nothing else; the passcode is required', async () => {
    const c = await newCase();
    const other = await newCase();
    await consent(c, true);
    await consent(other, true);
    expect((await physician.client.post(`/api/v1/cases/${c.id}/reply-letter`, LETTER)).status).toBe(200);
    const link = await readLink(c.id);
    expect(link.url).toMatch(/\/letter\?lang=zh-CN#kg\./);
    const pass = { 'x-link-passcode': 'letter-pass-1' };

    const withoutPasscode = await guest(link.token, 'GET', '/api/v1/report-link');
    expect([withoutPasscode.statusCode, withoutPasscode.json().error.code]).toEqual([401, 'link_passcode']);
    const opened = await guest(link.token, 'GET', '/api/v1/report-link', undefined, pass);
    expect(opened.statusCode).toBe(200);
    expect(opened.json()).toMatchObject({ caseId: c.id, caseNumber: c.number, letter: { language: 'en' }, report: [{ language: 'en', version: 1 }] });
    expect(opened.json().expiresAt).toBeTruthy();
    const letter = await guest(link.token, 'GET', `/api/v1/cases/${c.id}/reply-letter.pdf`, undefined, pass);
    expect(letter.statusCode).toBe(200);
    expect(tool('pdftotext', letter.rawPayload)).toContain('Dr Li Test');
    expect((await guest(link.token, 'GET', `/api/v1/cases/${c.id}/shared/report.pdf?lang=en`, undefined, pass)).statusCode).toBe(200);

    // Nothing else: not the case, its files, its report's staff view or the portal's PDF, no upload, not another case.
    for (const url of [`/api/v1/cases/${c.id}`, `/api/v1/cases/${c.id}/files`, `/api/v1/cases/${c.id}/report`, `/api/v1/cases/${c.id}/report.pdf?lang=en`, `/api/v1/cases/${other.id}/shared`, `/api/v1/cases/${other.id}/reply-letter.pdf`, `/api/v1/cases/${other.id}/shared/report.pdf?lang=en`]) {
      expect([403, 404], url).toContain((await guest(link.token, 'GET', url, undefined, pass)).statusCode);
    }
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: { authorization: `Bearer ${link.token}`, ...pass, 'tus-resumable': '1.0.0', 'upload-length': '3', 'upload-metadata': `caseId ${Buffer.from(c.id).toString('base64')},filename ${Buffer.from('x.pdf').toString('base64')}` } });
    expect([403, 404]).toContain(upload.statusCode);
    // A portal link cannot open the read link's page.
    expect((await guest(c.portal, 'GET', '/api/v1/report-link')).statusCode).toBe(404);
    expect((await events(c.id, 'reply_letter.download')).map((e) => e.outcome)).toEqual(['allowed']);
    expect((await events(other.id, 'reply_letter.download')).map((e) => e.outcome)).toEqual(['denied']);
  });

  it('are listed and revoked by staff; withdrawing the consent ends them all at once; an expired one is dead', async () => {
    const c = await newCase();
    await consent(c, true);
    const [a, b, d] = [await readLink(c.id), await readLink(c.id), await readLink(c.id)];
    const pass = { 'x-link-passcode': 'letter-pass-1' };
    const listed = await physician.client.get(`/api/v1/cases/${c.id}/report-links`);
    expect(listed.body.items.map((l: { id: string }) => l.id).sort()).toEqual([a.id, b.id, d.id].sort());
    expect(JSON.stringify(listed.body)).not.toContain('kg.');

    const revoked = await coordinator.client.post(`/api/v1/cases/${c.id}/report-links/${a.id}/revoke`);
    expect(revoked.body.revokedAt).toBeTruthy();
    expect((await guest(a.token, 'GET', '/api/v1/report-link', undefined, pass)).statusCode).toBe(401);

    await t.db.execute(sql`update guest_links set expires_at = now() - interval '1 minute' where id = ${b.id}`);
    expect((await guest(b.token, 'GET', '/api/v1/report-link', undefined, pass)).json().error.code).toBe('guest_link_invalid');

    expect((await guest(d.token, 'GET', '/api/v1/report-link', undefined, pass)).statusCode).toBe(200);
    const withdrawn = await consent(c, false);
    expect(withdrawn.statusCode).toBe(200);
    expect((await events(c.id, 'report_sharing.consent')).at(-1)!.details).toMatchObject({ given: false, linksRevoked: 2 });
    expect((await guest(d.token, 'GET', '/api/v1/report-link', undefined, pass)).statusCode).toBe(401);
    // Given again, the old links stay dead: a new one is made for the recipient.
    await consent(c, true);
    expect((await guest(d.token, 'GET', '/api/v1/report-link', undefined, pass)).statusCode).toBe(401);
    expect((await guest((await readLink(c.id)).token, 'GET', '/api/v1/report-link', undefined, pass)).statusCode).toBe(200);
  });

  it('end when the patient side withdraws its consent to the whole second opinion, and none can be made afterwards', async () => {
    const c = await newCase({ partner: true });
    await consent(c, true);
    const link = await readLink(c.id);
    const pass = { 'x-link-passcode': 'letter-pass-1' };
    expect((await guest(link.token, 'GET', '/api/v1/report-link', undefined, pass)).statusCode).toBe(200);
    expect((await partner.client.get(`/api/v1/cases/${c.id}/shared`)).status).toBe(200);

    expect((await guest(c.portal, 'POST', `/api/v1/cases/${c.id}/consent/withdraw`, { reason: '不再咨询（测试）' })).statusCode).toBe(200);
    expect((await guest(link.token, 'GET', '/api/v1/report-link', undefined, pass)).statusCode).toBe(401);
    expect((await partner.client.get(`/api/v1/cases/${c.id}/shared`)).status).toBe(404);
    expect((await partner.client.get(`/api/v1/cases/${c.id}/reply-letter.pdf`)).status).toBe(404);
    const refused = await coordinator.client.post(`/api/v1/cases/${c.id}/report-links`, { days: 7, passcode: 'letter-pass-1', label: 'Dr Li (test)', locale: 'en' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('sharing_consent_missing');
  });

  it('may be e-mailed to the recipient in their language: without the passcode or medical content, its token made at sending, none once it ended', async () => {
    const c = await newCase();
    await consent(c, true);
    const to = `dr.li.${c.number}@example.org`;
    expect((await coordinator.client.post(`/api/v1/cases/${c.id}/report-links`, { days: 7, passcode: 'letter-pass-1', label: 'Dr Li Test', locale: 'zh-CN', email: 'not an address' })).status).toBe(400);
    const made = await coordinator.client.post(`/api/v1/cases/${c.id}/report-links`, { days: 7, passcode: 'letter-pass-1', label: 'Dr Li Test', locale: 'zh-CN', email: to });
    expect(made.status).toBe(201);
    const [message] = (await outbox(t)).filter((m) => m.toAddress === to);
    expect(message).toMatchObject({ template: 'reportLink', locale: 'zh-CN', link: { kind: 'report_link', linkId: made.body.id } });
    for (const secret of ['letter-pass-1', 'kg.', 'Agrees with the diagnosis', 'Patient 王', c.number]) expect(message.bodyText).not.toContain(secret);
    expect(message.bodyText).toContain('/letter?lang=zh-CN#');
    const minted = await t.app.services.links(message.link!);
    expect(minted!.token).toBe(made.body.url.split('#')[1]);
    expect((await guest(minted!.token, 'GET', '/api/v1/report-link', undefined, { 'x-link-passcode': 'letter-pass-1' })).statusCode).toBe(200);
    expect((await events(c.id, 'report_links.create')).at(-1)!.details).toMatchObject({ emailed: true });
    await coordinator.client.post(`/api/v1/cases/${c.id}/report-links/${made.body.id}/revoke`);
    expect(await t.app.services.links(message.link!)).toBeNull();
  });

  it('count wrong passcodes against the address, atomically: a burst cannot try more than the limit', async () => {
    const c = await newCase();
    await consent(c, true);
    const link = await readLink(c.id);
    const tries = await Promise.all(Array.from({ length: 30 }, (_, i) => guest(link.token, 'GET', '/api/v1/report-link', undefined, { 'x-link-passcode': `wrong-${i}` }, '10.61.9.9')));
    const codes = tries.map((r) => r.statusCode);
    expect(codes.filter((s) => s === 401)).toHaveLength(20);
    expect(codes.filter((s) => s === 429)).toHaveLength(10);
    // The right passcode from that address waits too; from another it opens.
    expect((await guest(link.token, 'GET', '/api/v1/report-link', undefined, { 'x-link-passcode': 'letter-pass-1' }, '10.61.9.9')).statusCode).toBe(429);
    expect((await guest(link.token, 'GET', '/api/v1/report-link', undefined, { 'x-link-passcode': 'letter-pass-1' }, '10.61.9.10')).statusCode).toBe(200);
  });
});
