import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { adminClient, buildCaseRequest, signedInUser, useTestApp, type Client } from '../../test/helpers.ts';
import { ingestTestStudy, type TestStudy } from '../../test/dicom-study.ts';

/*
 * Measurements saved on a case's study (a real ingest of a real study): the team and the managers
 * save and list them, each author deletes their own and a coordinator anyone's; nobody else reads
 * them, not the patient's portal link; bad geometry and images of another study are refused with a
 * translated message, and nothing is half saved.
 */
const t = useTestApp();
let admin: Client & { user: { id: string } };
let s: TestStudy;
let physician: Awaited<ReturnType<typeof signedInUser>>;
let nurse: Awaited<ReturnType<typeof signedInUser>>;
let outsider: Awaited<ReturnType<typeof signedInUser>>;
let coordinator: Awaited<ReturnType<typeof signedInUser>>;
let url = '';

const length = () => ({
  seriesInstanceUid: s.files.mr1.series,
  sopInstanceUid: s.files.mr1.sop,
  frame: 1,
  kind: 'length',
  points: [
    [-10.5, 20.25, 3],
    [30, 40.5, 3],
  ],
  values: { length: 44.9, unit: 'mm' },
  label: '腫瘍 long axis',
});
const ellipse = () => ({
  seriesInstanceUid: s.files.multi.series,
  sopInstanceUid: s.files.multi.sop,
  frame: 5,
  kind: 'ellipse',
  points: [
    [0, 10, 0],
    [0, -10, 0],
    [-5, 0, 0],
    [5, 0, 0],
  ],
  values: { area: 157.08, mean: 41.2, min: -3, max: 120, stdDev: 12.5, unit: 'HU' },
});
const count = async () => rowsOf<{ n: number }>(await t.db.execute(sql`select count(*)::int as n from measurements`))[0]!.n;

beforeAll(async () => {
  admin = await adminClient(t, { 'accept-language': 'en' });
  s = await ingestTestStudy(t, admin);
  physician = await signedInUser(t, { role: 'physician' });
  nurse = await signedInUser(t, { role: 'nurse' });
  outsider = await signedInUser(t, { role: 'physician' });
  coordinator = await signedInUser(t, { role: 'coordinator' });
  const team = await admin.put(`/api/v1/cases/${s.caseId}/team`, { members: [{ userId: physician.id, role: 'physician' }, { userId: nurse.id, role: 'nurse' }] });
  expect(team.status).toBe(200);
  url = `/api/v1/cases/${s.caseId}/studies/${s.studyUid}/measurements`;
}, 120_000);
afterAll(async () => s?.cleanup());

describe('saved measurements', () => {
  it('are saved by the team, listed with their author, points and values, and audited in the same transaction', async () => {
    const saved = await physician.client.post(url, { items: [length(), ellipse()] });
    expect(saved.status).toBe(201);
    expect(saved.body.items).toHaveLength(2);
    const [l, e] = saved.body.items;
    expect(l).toMatchObject({ ...length(), studyInstanceUid: s.studyUid, author: { id: physician.id }, deletable: true });
    expect(e).toMatchObject({ ...ellipse(), label: '' });
    expect(Date.parse(l.createdAt)).toBeGreaterThan(0);
    // The nurse on the team sees them, not deletable by her.
    const listed = await nurse.client.get(url);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((m: { id: string; deletable: boolean }) => [m.id, m.deletable])).toEqual([
      [l.id, false],
      [e.id, false],
    ]);
    expect(listed.body.items[0].points).toEqual(length().points);
    const events = rowsOf<{ action: string; outcome: string; details: Record<string, unknown> }>(
      await t.db.execute(sql`select action, outcome, details from audit_events where action like 'case.measurements_%' order by id`),
    );
    expect(events).toEqual([
      expect.objectContaining({ action: 'case.measurements_write', outcome: 'allowed', details: expect.objectContaining({ count: 2, ids: [l.id, e.id] }) }),
      expect.objectContaining({ action: 'case.measurements_read', outcome: 'allowed', details: expect.objectContaining({ results: 2 }) }),
    ]);
  });

  it('are not read or written by a physician off the team, the patient’s portal link or another case', async () => {
    // A case the caller may not see is not found (the gate tells nothing of it).
    expect((await outsider.client.get(url)).status).toBe(404);
    expect((await outsider.client.post(url, { items: [length()] })).status).toBe(404);
    const portal = { authorization: `Bearer ${s.portalToken}` };
    expect((await t.app.inject({ method: 'GET', url, headers: portal })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url, headers: portal, payload: { items: [length()] } })).statusCode).toBe(403);
    // Another case (the coordinator may read it): the study is not its.
    const consentId = (await admin.post('/api/v1/consent', { locale: 'en', body: 'Consent (test)' })).body.id;
    const other = (await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.77.0.9' })).json().id;
    const otherUrl = `/api/v1/cases/${other}/studies/${s.studyUid}/measurements`;
    expect((await coordinator.client.get(otherUrl)).status).toBe(404);
    expect((await coordinator.client.post(otherUrl, { items: [length()] })).status).toBe(404);
    // A measurement of this case deleted through the other case's address: not found.
    const [first] = (await physician.client.get(url)).body.items;
    expect((await coordinator.client.request('DELETE', `/api/v1/cases/${other}/measurements/${first.id}`)).status).toBe(404);
    expect(await count()).toBe(2);
  });

  it('refuse bad geometry, values and images of another study with a translated message, saving none of the batch', async () => {
    const bad: [string, unknown][] = [
      ['too few points for an angle', { ...length(), kind: 'angle' }],
      ['a coordinate not a finite number', { ...length(), points: [[0, 0, 0], [1e12, 0, 0]] }],
      ['a point of two coordinates', { ...length(), points: [[0, 0], [1, 1]] }],
      ['too many points', { ...ellipse(), points: Array.from({ length: 5 }, () => [0, 0, 0]) }],
      ['an angle above 180°', { ...length(), kind: 'angle', points: [[0, 0, 0], [1, 0, 0], [1, 1, 0]], values: { angle: 270 } }],
      ['a value not a number', { ...length(), values: { length: 'long' } }],
      ['an unknown value', { ...length(), values: { volume: 3 } }],
      ['frame 0', { ...length(), frame: 0 }],
      ['a label too long', { ...length(), label: 'x'.repeat(201) }],
      ['an unknown kind', { ...length(), kind: 'polygon' }],
    ];
    for (const [why, item] of bad) {
      const res = await physician.client.post(url, { items: [length(), item] }, { 'accept-language': 'ja' });
      expect(res.status, why).toBe(400);
      expect(res.body.error.code, why).toBe('validation_failed');
      expect(JSON.stringify(res.body.error.details), why).toMatch(/items\.1/);
      expect(JSON.stringify(res.body.error.details), why).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    }
    const angle = await physician.client.post(url, { items: [{ ...length(), kind: 'angle' }] }, { 'accept-language': 'en' });
    expect(angle.body.error.details).toEqual([expect.objectContaining({ path: 'items.0.points', message: 'A length has 2 points, an angle 3 and an ellipse 4.' })]);
    // A body too large to be a save.
    expect((await physician.client.post(url, { items: Array.from({ length: 101 }, length) })).status).toBe(400);
    // NUL in the label: refused by the global check.
    expect((await physician.client.post(url, { items: [{ ...length(), label: 'a\u0000b' }] })).status).toBe(400);
    // Images not of this study: the held study's instance, a series that is not the instance's, a frame beyond the instance's.
    const wrong = [
      { ...length(), sopInstanceUid: '1.2.3.4.5' },
      { ...length(), seriesInstanceUid: s.files.multi.series },
      { ...ellipse(), frame: 6 },
    ];
    for (const item of wrong) {
      const res = await physician.client.post(url, { items: [length(), item] }, { 'accept-language': 'zh-CN' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'measurement_image_unknown', message: '测量所在的影像不属于该检查。请重新加载查看器后再测量。', details: { item: 1 } });
    }
    expect(await count()).toBe(2);
  });

  it('are deleted by their author or a coordinator, not by another member of the team', async () => {
    const [l, e] = (await physician.client.get(url)).body.items;
    const del = (c: Client, id: string) => c.request('DELETE', `/api/v1/cases/${s.caseId}/measurements/${id}`);
    expect((await del(nurse.client, l.id)).status).toBe(403);
    expect((await del(outsider.client, l.id)).status).toBe(404);
    const mine = await del(physician.client, l.id);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((m: { id: string }) => m.id)).toEqual([e.id]);
    expect((await del(physician.client, l.id)).status).toBe(404);
    const byCoordinator = await del(coordinator.client, e.id);
    expect(byCoordinator.status).toBe(200);
    expect(byCoordinator.body.items).toEqual([]);
    expect(await count()).toBe(0);
    const deletions = rowsOf<{ n: number }>(await t.db.execute(sql`select count(*)::int as n from audit_events where action = 'case.measurements_write' and outcome = 'allowed' and details->>'deleted' = 'true'`));
    expect(deletions[0]!.n).toBe(2);
  });
});
