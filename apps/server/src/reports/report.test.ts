import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { deleteOrphanBlobs } from '../storage/retention.ts';
import { adminClient, buildCaseRequest, Client, outbox, signedInUser, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
let consentId = '';
let coordinator: Client;
let n = 0;

type Who = { id: string; email: string; client: Client };
const member = (role: 'coordinator' | 'physician' | 'nurse' | 'interpreter', name: string): Promise<Who> => signedInUser(t, { role, name, locale: 'en' });

let physician: Who, nurse: Who, interpreter: Who, otherPhysician: Who;
const teamOf = () => [
  { userId: physician.id, role: 'physician' },
  { userId: nurse.id, role: 'nurse' },
  { userId: interpreter.id, role: 'interpreter' },
];

/** A case from the public form (the patient's language Chinese), with its team and portal token. */
async function newCase() {
  const email = `report${++n}@example.org`;
  const base = buildCaseRequest({}, consentId);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: { ...base, requester: { ...base.requester, email }, patient: { ...base.patient, preferredLocale: 'zh-CN' } },
    remoteAddress: `10.29.0.${n}`,
  });
  expect(res.statusCode).toBe(201);
  const c = res.json();
  await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible' });
  expect((await coordinator.put(`/api/v1/cases/${c.id}/team`, { members: teamOf() })).status).toBe(200);
  return { id: c.id as string, number: c.number as string, token: c.portalUrl.split('#')[1] as string, email };
}

const content = (opinion = 'Surgery is not advised for Patient 王 Test; the proposed chemotherapy is appropriate.') => ({
  caseSummary: 'Patient 王 Test, 62, referred with a CT of the chest (fictional).',
  questions: [{ question: 'Is surgery possible?', answer: 'Not at this stage.' }],
  diagnosisOpinion: opinion,
  treatmentOpinion: '',
  recommendations: 'Discuss a clinical trial.',
  discussWithPrimaryDoctor: 'The timing of the next CT.',
});
const zh = () => ({ ...content('不建议王测试患者手术；所提议的化疗是合适的。'), caseSummary: '王测试患者，62岁（虚构）。' });

const url = (caseId: string, rest = '') => `/api/v1/cases/${caseId}/report${rest}`;
const guestGet = (token: string, u: string) => t.app.inject({ method: 'GET', url: u, headers: { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' } });
const textRows = async (caseId: string) =>
  rowsOf<Record<string, unknown>>(await t.db.execute(sql`select report_version, language, status, version, verification_code, pdf_blob_id from report_texts where case_id = ${caseId} order by report_version, language`));
const events = async (caseId: string, action: string) =>
  rowsOf<{ outcome: string; details: Record<string, unknown> }>(await t.db.execute(sql`select outcome, details from audit_events where subject_id = ${caseId} and action = ${action} order by id`));
const pdfsig = (bytes: Buffer) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'report-')), 'report.pdf');
  writeFileSync(file, bytes);
  return spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;
};

/** A case whose original (English) is signed and whose Chinese translation is marked ready. */
async function signedCase() {
  const c = await newCase();
  const saved = await physician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() });
  expect(saved.status).toBe(200);
  expect((await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 })).status).toBe(200);
  expect((await interpreter.client.put(url(c.id, '/translations/zh-CN'), { version: 0, content: zh() })).status).toBe(200);
  expect((await interpreter.client.post(url(c.id, '/translations/zh-CN/ready'), { version: 1 })).status).toBe(200);
  return c;
}

beforeAll(async () => {
  const admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  coordinator = (await member('coordinator', 'Coordinator Test')).client;
  physician = await member('physician', 'Dr Physician Test');
  nurse = await member('nurse', 'Nurse Test');
  interpreter = await member('interpreter', 'Interpreter Test');
  otherPhysician = await member('physician', 'Dr Elsewhere Test');
}, 60_000);

describe('writing the report', () => {
  it('starts empty; the physician saves the original against the version read, a stale save gets 409 with the current report', async () => {
    const c = await newCase();
    const empty = await nurse.client.get(url(c.id));
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ originalLanguage: null, currentVersion: 0, texts: [] });

    const first = await physician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ originalLanguage: 'en', currentVersion: 1, texts: [{ language: 'en', isOriginal: true, status: 'draft', version: 1, writtenBy: { name: 'Dr Physician Test' } }] });
    const second = await physician.client.put(url(c.id, '/original'), { language: 'en', version: 1, content: content('Second thoughts (test).') });
    expect(second.body.texts[0]).toMatchObject({ version: 2, content: { diagnosisOpinion: 'Second thoughts (test).' } });

    const stale = await physician.client.put(url(c.id, '/original'), { language: 'en', version: 1, content: content('Overwrites (test).') });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('changed_meanwhile');
    expect(stale.body.error.details.current.texts[0].content.diagnosisOpinion).toBe('Second thoughts (test).');

    const otherLanguage = await physician.client.put(url(c.id, '/original'), { language: 'ja', version: 2, content: content() });
    expect(otherLanguage.status).toBe(409);
    expect(otherLanguage.body.error.code).toBe('report_language_fixed');
    // A coordinator reads it (audited), but writes nothing.
    expect((await coordinator.get(url(c.id))).status).toBe(200);
    expect((await events(c.id, 'report.read')).map((e) => e.outcome)).toEqual(['allowed', 'allowed']);
  });

  it('refuses text that cannot be stored and dates nothing: NUL, lone surrogates, an empty opinion, a version out of range', async () => {
    const c = await newCase();
    for (const body of [
      { language: 'en', version: 0, content: content('Bad \u0000 text') },
      { language: 'en', version: 0, content: content('Half a pair \ud800 here') },
      { language: 'en', version: 0, content: { ...content(''), treatmentOpinion: '' } },
      { language: 'en', version: -1, content: content() },
      { language: 'xx', version: 0, content: content() },
    ]) {
      const res = await physician.client.put(url(c.id, '/original'), body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await textRows(c.id)).toEqual([]);
  });

  it('lets only the team’s physician write and sign, the interpreter translate and mark ready', async () => {
    const c = await newCase();
    expect((await interpreter.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() })).status).toBe(403);
    expect((await otherPhysician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() })).status).toBe(404);
    expect((await nurse.client.put(url(c.id, '/translations/zh-CN'), { version: 0, content: zh() })).status).toBe(403);
    const notStarted = await interpreter.client.put(url(c.id, '/translations/zh-CN'), { version: 0, content: zh() });
    expect(notStarted.status).toBe(409);
    expect(notStarted.body.error.code).toBe('report_not_started');
    await physician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() });
    expect((await interpreter.client.post(url(c.id, '/texts/en/sign'), { version: 1 })).status).toBe(403);
    expect((await coordinator.post(url(c.id, '/texts/en/sign'), { version: 1 })).status).toBe(403);
    expect((await physician.client.post(url(c.id, '/translations/zh-CN/ready'), { version: 1 })).status).toBe(403);
    expect(await textRows(c.id)).toMatchObject([{ language: 'en', status: 'draft' }]);
  });
});

describe('signing', () => {
  it('signs the original once: a PDF pdfsig validates, a verification code, and nothing changes after', async () => {
    const c = await newCase();
    await physician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() });
    const signed = await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 });
    expect(signed.status).toBe(200);
    const text = signed.body.texts[0];
    expect(text).toMatchObject({ status: 'signed', version: 2, signedBy: { name: 'Dr Physician Test' } });
    expect(text.verificationCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    const before = await textRows(c.id);

    const twice = await physician.client.post(url(c.id, '/texts/en/sign'), { version: 2 });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('report_signed');
    const edit = await physician.client.put(url(c.id, '/original'), { language: 'en', version: 2, content: content('Changed after signing (test).') });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('report_signed');
    expect(await textRows(c.id)).toEqual(before);
    // The database refuses it too, whatever a service would do.
    const updated = await t.db.execute(sql`update report_texts set status = 'draft' where case_id = ${c.id}`).then(
      () => 'updated',
      (err: Error) => err.message,
    );
    expect(updated).not.toBe('updated');

    const pdf = await coordinator.get(url(c.id, '.pdf?lang=en'));
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toContain(`${c.number}-v1-en.pdf`);
    const report = pdfsig(pdf.raw.rawPayload);
    expect(report).toContain('Signature is Valid.');
    expect(report).toContain('ETSI.CAdES.detached');
  });

  it('signs a translation only once marked ready, and only after the original; names the translator', async () => {
    const c = await newCase();
    await physician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() });
    await interpreter.client.put(url(c.id, '/translations/zh-CN'), { version: 0, content: zh() });
    const notReady = await physician.client.post(url(c.id, '/texts/zh-CN/sign'), { version: 1 });
    expect(notReady.status).toBe(409);
    expect(notReady.body.error.code).toBe('report_translation_not_ready');
    expect((await interpreter.client.post(url(c.id, '/translations/zh-CN/ready'), { version: 1 })).body.texts[1]).toMatchObject({ status: 'ready', version: 2 });
    const originalFirst = await physician.client.post(url(c.id, '/texts/zh-CN/sign'), { version: 2 });
    expect(originalFirst.status).toBe(409);
    expect(originalFirst.body.error.code).toBe('report_original_unsigned');
    expect((await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 })).status).toBe(200);
    const signed = await physician.client.post(url(c.id, '/texts/zh-CN/sign'), { version: 2 });
    expect(signed.status).toBe(200);
    expect(signed.body.texts[1]).toMatchObject({ language: 'zh-CN', isOriginal: false, status: 'signed', translatedBy: { name: 'Interpreter Test' } });
    expect((await textRows(c.id)).map((r) => r.status)).toEqual(['signed', 'signed']);
  });

  it('delivers on the first signature: the requester is e-mailed without medical content, the survey opens, the case moves on', async () => {
    const c = await newCase();
    await physician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() });
    expect(await outbox(t).then((m) => m.filter((x) => x.toAddress === c.email && x.template === 'reportReady'))).toHaveLength(0);
    const signed = await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 });
    expect(signed.body.deliveredAt).not.toBeNull();
    const mails = (await outbox(t)).filter((x) => x.toAddress === c.email && x.template === 'reportReady');
    expect(mails).toHaveLength(1);
    expect(JSON.stringify(mails[0])).not.toMatch(/Surgery|surgery|chemotherapy|化疗|手术|trial/);
    expect(rowsOf(await t.db.execute(sql`select 1 from surveys where case_id = ${c.id}`))).toHaveLength(1);
    expect((await events(c.id, 'report.sign')).at(-1)?.details).toMatchObject({ delivered: true, reportVersion: 1 });
    // A translation signed later delivers nothing again.
    await interpreter.client.put(url(c.id, '/translations/zh-CN'), { version: 0, content: zh() });
    await interpreter.client.post(url(c.id, '/translations/zh-CN/ready'), { version: 1 });
    await physician.client.post(url(c.id, '/texts/zh-CN/sign'), { version: 2 });
    expect((await outbox(t)).filter((x) => x.toAddress === c.email && x.template === 'reportReady')).toHaveLength(1);
  });
});

describe('the PDF and the patient side', () => {
  it('serves the patient’s own portal the signed PDF in its language, 404 where none is signed; another case’s guest gets nothing', async () => {
    const c = await signedCase();
    const other = await newCase();
    const none = await guestGet(c.token, url(c.id, '.pdf?lang=zh-CN'));
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('report_text_missing');
    await physician.client.post(url(c.id, '/texts/zh-CN/sign'), { version: 2 });
    const own = await guestGet(c.token, url(c.id, '.pdf?lang=zh-CN'));
    expect(own.statusCode).toBe(200);
    expect(pdfsig(own.rawPayload)).toContain('Signature is Valid.');
    expect((await events(c.id, 'report.download')).map((e) => e.outcome)).toEqual(['failed', 'allowed']);

    // The daily clean-up of unreferenced blobs keeps the signed PDFs, however old.
    await deleteOrphanBlobs({ db: t.db, blobs: t.app.services.blobs }, new Date(Date.now() + 7 * 86_400_000));
    expect(pdfsig((await guestGet(c.token, url(c.id, '.pdf?lang=zh-CN'))).rawPayload)).toContain('Signature is Valid.');

    const foreign = await guestGet(other.token, url(c.id, '.pdf?lang=zh-CN'));
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('%PDF');
    expect((await guestGet(c.token, url(c.id, '.pdf?lang=xx'))).statusCode).toBe(400);
    // The portal does not read the drafts.
    expect((await guestGet(c.token, url(c.id))).statusCode).toBe(403);
  });
});

describe('amendments and verification', () => {
  it('amends with a reason into a new version from the signed texts; the old code says "not current", an unknown one 404', async () => {
    const c = await signedCase();
    const v1 = (await physician.client.get(url(c.id))).body.texts[0].verificationCode as string;
    const noReason = await physician.client.post(url(c.id, '/amend'), { reason: '' });
    expect(noReason.status).toBe(400);
    const amended = await physician.client.post(url(c.id, '/amend'), { reason: 'Corrected the CT date (test).' });
    expect(amended.status).toBe(200);
    expect(amended.body).toMatchObject({ currentVersion: 2, amendmentReason: 'Corrected the CT date (test).' });
    expect(amended.body.texts.map((x: { status: string }) => x.status)).toEqual(['draft', 'draft']);
    expect(amended.body.texts[0].content.diagnosisOpinion).toBe(content().diagnosisOpinion);
    const again = await physician.client.post(url(c.id, '/amend'), { reason: 'Twice (test).' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('report_not_signed');

    // Until version 2 is signed, version 1 stays in force.
    const anon = (code: string, raw = false) => t.app.inject({ method: 'GET', url: `/api/v1/verify/${raw ? code : encodeURIComponent(code)}`, headers: { 'accept-language': 'en' }, remoteAddress: '10.29.9.9' });
    expect((await anon(v1)).json()).toMatchObject({ authentic: true, current: true, version: 1, language: 'en', currentVersion: 1 });
    const signed = await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 });
    expect(signed.status).toBe(200);
    const v2 = signed.body.texts[0].verificationCode as string;

    const old = await anon(v1.toLowerCase().replaceAll('-', ' '));
    expect(old.statusCode).toBe(200);
    expect(old.json()).toMatchObject({ code: v1, authentic: true, current: false, version: 1, currentVersion: 2 });
    expect(old.body).not.toMatch(/王|Patient|Surgery|SO-/);
    expect((await anon(v2)).json()).toMatchObject({ current: true, version: 2 });
    const pdf = await coordinator.get(url(c.id, '.pdf?lang=en'));
    expect(pdf.headers['content-disposition']).toContain('-v2-en.pdf');

    for (const code of ['0000-0000-0000-0000', 'not a code', 'x'.repeat(100), '０７ＫＱ']) {
      const res = await anon(code);
      expect(res.statusCode, code).toBe(404);
      expect(res.json().error.code).toBe('verification_code_unknown');
      expect(res.json().error.message).toContain('verification code');
    }
    // Text no code can hold is refused as bad input, translated, never a 500.
    // (NUL)
    for (const code of ['%00']) {
      const res = await anon(code, true);
      expect(res.statusCode, JSON.stringify(code)).toBe(400);
      expect(res.json().error.message, JSON.stringify(code)).toEqual(expect.any(String));
    }
    // Longer than the router takes a parameter: its own 404.
    expect((await anon('x'.repeat(500))).statusCode).toBe(404);
    // A path that is not UTF-8 is refused by the router itself (Fastify's own 400, not translated).
    expect((await anon('%ED%A0%80', true)).statusCode).toBe(400);
  });
});

describe('the portal’s summary and the amendment e-mail', () => {
  const summary = (c: { id: string; token: string }) => guestGet(c.token, url(c.id, '/summary'));
  const amendedMails = async (email: string) => (await outbox(t)).filter((x) => x.toAddress === email && x.template === 'reportAmended');

  it('shows the patient side each language’s latest signed version, never a draft; another case’s guest and staff off the team get 404', async () => {
    const c = await newCase();
    const empty = await summary(c);
    expect(empty.statusCode).toBe(200);
    expect(empty.json()).toEqual({ originalLanguage: null, inForce: null, amendmentReason: null, texts: [] });
    await physician.client.put(url(c.id, '/original'), { language: 'en', version: 0, content: content() });
    // A draft is not shown.
    expect((await summary(c)).json()).toMatchObject({ originalLanguage: 'en', inForce: null, texts: [] });

    await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 });
    await interpreter.client.put(url(c.id, '/translations/zh-CN'), { version: 0, content: zh() });
    await interpreter.client.post(url(c.id, '/translations/zh-CN/ready'), { version: 1 });
    const v1 = (await summary(c)).json();
    // The translation marked ready but not signed is not there.
    expect(v1).toMatchObject({ inForce: 1, amendmentReason: null, texts: [{ language: 'en', isOriginal: true, version: 1, amendmentReason: null }] });
    expect(v1.texts).toHaveLength(1);
    expect(v1.texts[0].verificationCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    expect(JSON.stringify(v1)).not.toMatch(/Surgery|王/);
    await physician.client.post(url(c.id, '/texts/zh-CN/sign'), { version: 2 });

    // During an amendment the translation stays at the version before until it is signed again.
    await physician.client.post(url(c.id, '/amend'), { reason: 'Corrected the CT date (test).' });
    await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 });
    const v2 = (await summary(c)).json();
    expect(v2).toMatchObject({ inForce: 2, amendmentReason: 'Corrected the CT date (test).' });
    expect(v2.texts.map((x: { language: string; version: number }) => `${x.language}:${x.version}`)).toEqual(['en:2', 'zh-CN:1']);
    expect(v2.texts[1].amendmentReason).toBeNull();
    expect((await events(c.id, 'report.summary')).map((e) => e.outcome)).toEqual(['allowed', 'allowed', 'allowed', 'allowed']);

    // The team and coordinators may read it too; no one else.
    expect((await nurse.client.get(url(c.id, '/summary'))).status).toBe(200);
    expect((await coordinator.get(url(c.id, '/summary'))).status).toBe(200);
    expect((await otherPhysician.client.get(url(c.id, '/summary'))).status).toBe(404);
    const other = await newCase();
    const foreign = await guestGet(other.token, url(c.id, '/summary'));
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('verificationCode');
    expect((await t.app.inject({ method: 'GET', url: url(c.id, '/summary') })).statusCode).toBe(401);
  });

  it('e-mails the requester once per amended version, in the patient’s language, without medical content; never for version 1', async () => {
    const c = await signedCase();
    await physician.client.post(url(c.id, '/texts/zh-CN/sign'), { version: 2 });
    expect(await amendedMails(c.email)).toHaveLength(0);

    await physician.client.post(url(c.id, '/amend'), { reason: 'Corrected the CT date (test).' });
    expect(await amendedMails(c.email)).toHaveLength(0);
    await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 });
    const mails = await amendedMails(c.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].locale).toBe('zh-CN');
    expect(mails[0].subject).toContain(c.number);
    expect(mails[0].bodyText).toContain('第 2 版');
    expect(JSON.stringify(mails[0])).not.toMatch(/Surgery|surgery|chemotherapy|化疗|手术|trial|CT date/);
    expect((await events(c.id, 'report.sign')).at(-1)?.details).toMatchObject({ reportVersion: 2, amended: true });

    // The patient's language of the same version tells nobody again.
    await interpreter.client.put(url(c.id, '/translations/zh-CN'), { version: 1, content: zh() });
    await interpreter.client.post(url(c.id, '/translations/zh-CN/ready'), { version: 2 });
    expect((await physician.client.post(url(c.id, '/texts/zh-CN/sign'), { version: 3 })).status).toBe(200);
    expect(await amendedMails(c.email)).toHaveLength(1);

    // Version 3 is another e-mail.
    await physician.client.post(url(c.id, '/amend'), { reason: 'Added the pathology result (test).' });
    await physician.client.post(url(c.id, '/texts/en/sign'), { version: 1 });
    expect(await amendedMails(c.email)).toHaveLength(2);
    expect((await outbox(t)).filter((x) => x.toAddress === c.email && x.template === 'reportReady')).toHaveLength(1);
  });
});
