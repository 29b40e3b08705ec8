import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { adminClient, buildCaseRequest, Client, signedInUser, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
let consentId = '';
let coordinator: Client;
let n = 0;
type Who = Awaited<ReturnType<typeof signedInUser>>;
let physician: Who, interpreter: Who, otherInterpreter: Who, partner: Who;

/** A case from the public form (the request in Chinese) with its team; its id and portal token. */
async function teamCase() {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: `10.29.0.${++n}` });
  const c = res.json();
  await coordinator.post(`/api/v1/cases/${c.id}/screening`, { eligibility: 'eligible' });
  await coordinator.put(`/api/v1/cases/${c.id}/team`, { members: [{ userId: physician.id, role: 'physician' }, { userId: interpreter.id, role: 'interpreter' }] });
  return { id: c.id as string, token: c.portalUrl.split('#')[1] as string };
}

const JA = { diagnosis: '肺腺癌 IV期（テスト）', currentTreatment: '化学療法中', pastTreatment: '', questions: '手術は可能ですか？（テスト）' };

beforeAll(async () => {
  const admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
  coordinator = (await signedInUser(t, { role: 'coordinator', name: 'Coordinator Test', locale: 'en' })).client;
  physician = await signedInUser(t, { role: 'physician', name: 'Dr Physician Test', locale: 'ja' });
  interpreter = await signedInUser(t, { role: 'interpreter', name: 'Interpreter Test', locale: 'ja' });
  otherInterpreter = await signedInUser(t, { role: 'interpreter', name: 'Interpreter Elsewhere Test', locale: 'ja' });
  const institution = (await admin.post('/api/v1/institutions', { name: 'Partner Hospital (Test)', country: 'CN', kind: 'partner' })).body.id;
  partner = await signedInUser(t, { role: 'partner', name: 'Partner Test', institutionId: institution, locale: 'en' });
}, 60_000);

describe('the patient’s words', () => {
  it('are translated by the team’s interpreter and read beside the original by the team and coordinators', async () => {
    const c = await teamCase();
    const url = `/api/v1/cases/${c.id}/patient-words`;
    const empty = await physician.client.get(url);
    expect(empty.status).toBe(200);
    expect(empty.body.original).toMatchObject({ language: 'zh-CN', diagnosis: expect.any(String), questions: expect.any(String) });
    expect(empty.body.original.diagnosis.length).toBeGreaterThan(0);
    expect(empty.body.translations).toEqual([]);

    const saved = await interpreter.client.put(`${url}/ja`, { version: 0, ...JA });
    expect(saved.status).toBe(200);
    expect(saved.body.translations).toEqual([expect.objectContaining({ language: 'ja', version: 1, ...JA, translatedBy: { userId: interpreter.id, name: 'Interpreter Test' } })]);
    // A second language is a row of its own; the first one is edited based on its version.
    expect((await interpreter.client.put(`${url}/en`, { version: 0, diagnosis: 'Lung adenocarcinoma, stage IV (test)', questions: 'Can it be operated? (test)' })).status).toBe(200);
    const edited = await interpreter.client.put(`${url}/ja`, { version: 1, ...JA, pastTreatment: '手術歴なし' });
    expect(edited.status).toBe(200);
    expect(edited.body.translations.map((x: { language: string; version: number }) => `${x.language}:${x.version}`)).toEqual(['en:1', 'ja:2']);

    const read = await coordinator.get(url);
    expect(read.status).toBe(200);
    expect(read.body.translations.find((x: { language: string }) => x.language === 'ja')).toMatchObject({ pastTreatment: '手術歴なし', diagnosis: JA.diagnosis });
    // Reads and saves are events that name languages and versions, never the words.
    const events = rowsOf<{ action: string; details: Record<string, unknown> }>(
      await t.db.execute(sql`select action, details from audit_events where subject_id = ${c.id} and action like 'case.words_%' and outcome = 'allowed' order by id`),
    );
    expect(events.map((e) => e.action)).toEqual(['case.words_read', 'case.words_translate', 'case.words_translate', 'case.words_translate', 'case.words_read']);
    expect(events[4].details).toMatchObject({ translations: ['en', 'ja'] });
    expect(JSON.stringify(events)).not.toContain('肺腺癌');
  });

  it('may be translated by no one but the team’s interpreter, nor read outside the case’s record keepers', async () => {
    const c = await teamCase();
    const url = `/api/v1/cases/${c.id}/patient-words`;
    const body = { version: 0, ...JA };
    expect((await physician.client.put(`${url}/ja`, body)).status).toBe(403);
    expect((await coordinator.put(`${url}/ja`, body)).status).toBe(403);
    expect((await otherInterpreter.client.put(`${url}/ja`, body)).status).toBe(404);
    expect((await otherInterpreter.client.get(url)).status).toBe(404);
    expect((await partner.client.get(url)).status).toBe(404);
    const other = await teamCase();
    for (const token of [c.token, other.token]) {
      const headers = { authorization: `Bearer ${token}` };
      expect([403, 404]).toContain((await t.app.inject({ method: 'GET', url, headers })).statusCode);
      expect([403, 404]).toContain((await t.app.inject({ method: 'PUT', url: `${url}/ja`, headers, payload: body })).statusCode);
    }
    expect((await physician.client.get(url)).body.translations).toEqual([]);
  });

  it('refuses a save based on an older version with the current translations, and overwrites nothing', async () => {
    const c = await teamCase();
    const url = `/api/v1/cases/${c.id}/patient-words/ja`;
    expect((await interpreter.client.put(url, { version: 0, ...JA })).status).toBe(200);
    const stale = await interpreter.client.put(url, { version: 0, ...JA, diagnosis: 'From an old form' });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('changed_meanwhile');
    expect(stale.body.error.details.current.translations).toEqual([expect.objectContaining({ language: 'ja', version: 1, diagnosis: JA.diagnosis })]);
    expect((await interpreter.client.get(`/api/v1/cases/${c.id}/patient-words`)).body.translations[0]).toMatchObject({ version: 1, diagnosis: JA.diagnosis });
  });

  it('refuses a translation into the request’s own language and unstorable text, storing nothing', async () => {
    const c = await teamCase();
    const url = `/api/v1/cases/${c.id}/patient-words`;
    const same = await interpreter.client.put(`${url}/zh-CN`, { version: 0, ...JA });
    expect(same.status).toBe(400);
    expect(same.body.error.code).toBe('patient_words_original_language');
    for (const [over, path] of [
      [{ diagnosis: '肺\u0000腺癌' }, 'diagnosis'],
      [{ questions: 'half \ud83d' }, 'questions'],
      [{ currentTreatment: 'x'.repeat(4001) }, 'currentTreatment'],
      [{ version: -1 }, 'version'],
    ] as const) {
      const res = await interpreter.client.put(`${url}/ja`, { version: 0, ...JA, ...over });
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await interpreter.client.put(`${url}/fr`, { version: 0, ...JA })).status).toBe(400);
    expect((await interpreter.client.get(url)).body.translations).toEqual([]);
  });
});
