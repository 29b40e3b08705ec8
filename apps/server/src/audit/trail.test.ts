import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EVENT_NAMES } from '@kakehashi/core';
import { en, ja, zhCN } from '@kakehashi/core/i18n';
import { adminClient, buildCaseRequest, Client, useTestApp } from '../../test/helpers.ts';
import { csvField } from './csv.ts';
import { eventsOfPeriod } from './repo.ts';

const t = useTestApp();
let admin: Awaited<ReturnType<typeof adminClient>>;
let consentId = '';
let address = 0;

/** A case from the public form; its number and id. */
async function buildCase(): Promise<{ id: string; number: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: `10.9.0.${++address}` });
  expect(res.statusCode).toBe(201);
  return res.json();
}

/** An event written straight into the log, as the server would: at a chosen time, by a chosen user. */
async function insertEvent(e: { at: string; action: string; actorUserId?: string | null; actorLabel?: string | null; subjectType?: string | null; subjectId?: string | null; details?: Record<string, unknown> | null; outcome?: string }) {
  await t.db.execute(sql`
    insert into audit_events (at, actor_user_id, actor_label, action, subject_type, subject_id, outcome, ip, details)
    values (${e.at}::timestamptz, ${e.actorUserId ?? null}, ${e.actorLabel ?? null}, ${e.action}, ${e.subjectType ?? null}, ${e.subjectId ?? null},
            ${e.outcome ?? 'allowed'}, '198.51.100.7', ${e.details ? JSON.stringify(e.details) : null}::jsonb)`);
}

const staff = async (role: 'coordinator' | 'physician' | 'nurse' | 'admin', name?: string) => {
  const u = await t.user({ role, name });
  const c = new Client(t.app);
  await c.signIn(u.email);
  return Object.assign(c, { user: u });
};

/** The export parsed by an independent CSV parser: the preamble (label, value) and the table. */
function parsed(body: string, idHeading: string) {
  const records = parse(body, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  const head = records.findIndex((r) => r[0] === idHeading);
  expect(head).toBeGreaterThan(0);
  return { preamble: records.slice(0, head), header: records[head], rows: records.slice(head + 1) };
}

beforeAll(async () => {
  admin = await adminClient(t);
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
});

describe('the events the server writes', () => {
  it('are each named in words: every `action:` written outside the gate is a known event name', () => {
    const src = path.resolve(import.meta.dirname, '..');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const written = new Set(files.flatMap((f) => [...readFileSync(path.join(src, f), 'utf8').matchAll(/\baction: '([a-z_]+\.[a-z_.]+)'/g)].map((m) => m[1])));
    expect(written.size).toBeGreaterThan(5);
    expect([...written].filter((name) => !(AUDIT_EVENT_NAMES as readonly string[]).includes(name))).toEqual([]);
  });
});

describe('a case’s own trail', () => {
  it('shows coordinators who opened or changed the case and its visit, newest first, with names; reading it is recorded', async () => {
    const coordinator = await staff('coordinator', 'Coordinator 佐藤 Test');
    const c = await buildCase();
    const other = await buildCase();
    expect((await coordinator.get(`/api/v1/cases/${c.id}`)).status).toBe(200);
    await coordinator.get(`/api/v1/cases/${other.id}`);
    // An event about the case under another subject (a visit) carries its number.
    await t.app.services.audit.record(t.db, { principal: null, ip: null }, { action: 'visit.update', subjectType: 'visit', subjectId: randomUUID(), details: { case: c.number } });

    const first = await coordinator.get(`/api/v1/cases/${c.id}/audit`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { action: string }) => e.action)).toEqual(['visit.update', 'case.read', 'case.create']);
    expect(first.body.items[1]).toMatchObject({ actor: coordinator.user.email, actorName: 'Coordinator 佐藤 Test', outcome: 'allowed' });
    expect(first.body.items[2]).toMatchObject({ actor: null, actorName: null });
    expect(first.body.items[0]).not.toHaveProperty('ip');
    expect(first.body.total).toBe(3);

    const again = await coordinator.get(`/api/v1/cases/${c.id}/audit?pageSize=1`);
    expect(again.body).toMatchObject({ total: 4, page: 1, pageSize: 1, items: [{ action: 'case.audit_read', actorName: 'Coordinator 佐藤 Test' }] });
    expect((await admin.get(`/api/v1/cases/${c.id}/audit`)).status).toBe(200);
  });

  it('is offered on the case page to managers only, from the policy', async () => {
    const c = await buildCase();
    expect((await admin.get(`/api/v1/cases/${c.id}`)).body.allowed.actions).toContain('case.audit_read');
    const physician = await staff('physician');
    await admin.put(`/api/v1/cases/${c.id}/team`, { members: [{ userId: physician.user.id, role: 'physician' }] });
    const seen = await physician.get(`/api/v1/cases/${c.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.allowed.actions).not.toContain('case.audit_read');
  });

  it('is refused to the team (403), to staff who may not see the case (404) and to the patient side, and each refusal is recorded', async () => {
    const c = await buildCase();
    const physician = await staff('physician');
    await admin.put(`/api/v1/cases/${c.id}/team`, { members: [{ userId: physician.user.id, role: 'physician' }] });
    const nurse = await staff('nurse');
    expect((await physician.get(`/api/v1/cases/${c.id}/audit`)).status).toBe(403);
    expect((await nurse.get(`/api/v1/cases/${c.id}/audit`)).status).toBe(404);
    expect((await nurse.get(`/api/v1/cases/${randomUUID()}/audit`)).status).toBe(404);
    expect((await t.app.inject({ url: `/api/v1/cases/${c.id}/audit` })).statusCode).toBe(401);
    const denied = await admin.get(`/api/v1/audit?action=case.audit_read&outcome=denied&subject=${c.id}`);
    expect(denied.body.items.map((e: { actor: string }) => e.actor).sort()).toEqual([nurse.user.email, physician.user.email].sort());
    expect(denied.body.items[0].details).toMatchObject({ case: c.number });
  });
});

describe('the audit log export', () => {
  const day = '2020-02-0';

  it('gives administrators every event of the period as CSV with a BOM, headings in their language, fields quoted so a parser reads them back', async () => {
    const odd = await t.user({ role: 'nurse', name: '=Doe, "Jo"\nsecond line 王' });
    const details = { case: 'SO-2020-0001', note: 'a "quoted" word, a comma\nand a new line', n: 1 };
    await insertEvent({ at: `${day}1T00:00:00Z`, action: 'case.read', actorUserId: odd.id, actorLabel: odd.email, subjectType: 'case', subjectId: randomUUID(), details });
    await insertEvent({ at: `${day}2T23:59:59.999Z`, action: 'auth.sign_in', actorLabel: 'someone@example.org', outcome: 'denied', details: { reason: 'wrong_password' } });
    await insertEvent({ at: `${day}3T00:00:00Z`, action: 'case.read', actorLabel: 'after@example.org' });
    await insertEvent({ at: `${day}1T00:00:00Z`, action: 'test.unnamed' });
    await t.app.services.audit.seal();

    const res = await admin.get(`/api/v1/audit/export?from=${day}1&to=${day}2&locale=ja`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="kakehashi-audit-${day}1-${day}2.csv"`);
    expect([...res.raw.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const body = res.raw.body;

    const { preamble, header, rows } = parsed(body, ja.audit.csv.id);
    expect(header).toEqual([ja.audit.csv.id, ja.audit.csv.at, ja.audit.csv.actor, ja.audit.csv.actorName, ja.audit.csv.actionCode, ja.audit.csv.action, ja.audit.csv.case, ja.audit.csv.subjectType, ja.audit.csv.subjectId, ja.audit.csv.outcome, ja.audit.csv.ip, ja.audit.csv.details]);
    // In the log's order (by event number), which is the order they were written.
    expect(rows.map((r) => r[4])).toEqual(['case.read', 'auth.sign_in', 'test.unnamed']);
    const [read, signIn, unnamed] = rows;
    expect(read.slice(1, 10)).toEqual(['2020-02-01T00:00:00.000Z', odd.email, `'=Doe, "Jo"\nsecond line 王`, 'case.read', ja.audit.actions.case.read, 'SO-2020-0001', 'case', read[8], ja.audit.outcomes.allowed]);
    expect(read[10]).toBe('198.51.100.7');
    expect(JSON.parse(read[11])).toEqual(details);
    expect(unnamed[5]).toBe('test.unnamed');
    expect(signIn.slice(1, 7)).toEqual(['2020-02-02T23:59:59.999Z', 'someone@example.org', '', 'auth.sign_in', ja.audit.actions.auth.sign_in, '']);
    expect(signIn[9]).toBe(ja.audit.outcomes.denied);

    // What the file is, and how the chain stood: label and value.
    const said = Object.fromEntries(preamble.filter((r) => r.length === 2));
    expect(said[ja.audit.csv.period]).toBe(`${day}1 ～ ${day}2`);
    expect(said[ja.audit.csv.verification]).toBe(ja.audit.csv.verifiedOk);
    expect(said[ja.audit.csv.checkpoint]).toBe(ja.audit.checkpointStates.matches);
    expect(said[ja.audit.csv.sealed]).toMatch(/^\d+ 件（封印 \d+ 個）$/);
    expect(said[ja.audit.csv.covers]).toBe(ja.audit.csv.coversValue);
    expect(said[ja.audit.csv.exportedBy]).toContain(admin.user.email);
  });

  it('writes its headings in the caller’s language when none is asked for', async () => {
    const zh = await admin.get(`/api/v1/audit/export?from=${day}1&to=${day}1`, { 'accept-language': 'zh-CN,zh;q=0.9' });
    expect(parsed(zh.raw.body, zhCN.audit.csv.id).header[5]).toBe(zhCN.audit.csv.action);
    const english = await admin.get(`/api/v1/audit/export?from=${day}1&to=${day}1`, { 'accept-language': 'en' });
    expect(parsed(english.raw.body, en.audit.csv.id).rows.map((r) => r[5])).toEqual([en.audit.actions.case.read, 'test.unnamed']);
  });

  it('is for administrators only, refuses a period that ends before it starts, and records every export', async () => {
    const coordinator = await staff('coordinator');
    expect((await coordinator.get(`/api/v1/audit/export?from=${day}1&to=${day}2`)).status).toBe(403);
    expect((await t.app.inject({ url: `/api/v1/audit/export?from=${day}1&to=${day}2` })).statusCode).toBe(401);
    const backwards = await admin.get(`/api/v1/audit/export?from=${day}2&to=${day}1`);
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body)).toContain(ja.validation.periodOrder);
    expect((await admin.get(`/api/v1/audit/export?from=${day}1`)).status).toBe(400);

    const exports = await admin.get('/api/v1/audit?action=audit.export');
    const outcomes = exports.body.items.map((e: { outcome: string }) => e.outcome);
    expect(outcomes.filter((o: string) => o === 'denied')).toHaveLength(1);
    expect(outcomes.filter((o: string) => o === 'allowed').length).toBeGreaterThanOrEqual(3);
    const allowed = exports.body.items.find((e: { outcome: string }) => e.outcome === 'allowed');
    expect(allowed.details).toMatchObject({ from: `${day}1`, verified: true, throughId: expect.any(Number) });
  });

  it('reads the period a page at a time, in order, up to the newest event at export time', async () => {
    const through = (await t.db.execute(sql`select max(id)::int as id from audit_events`)) as unknown as { rows: { id: number }[] };
    await insertEvent({ at: `${day}1T12:00:00Z`, action: 'test.later' });
    const seen: number[] = [];
    for await (const e of eventsOfPeriod(t.db, { from: `${day}1`, to: `${day}2`, throughId: through.rows[0].id }, 1)) seen.push(e.id);
    expect(seen).toHaveLength(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('says where the chain is broken', async () => {
    const [{ id }] = ((await t.db.execute(sql`select min(id)::int as id from audit_events where action = 'auth.sign_in' and at < '2021-01-01'`)) as unknown as { rows: { id: number }[] }).rows;
    await t.db.execute(sql`alter table audit_events disable trigger user`);
    await t.db.execute(sql`update audit_events set actor_label = 'someone-else@example.org' where id = ${id}`);
    await t.db.execute(sql`alter table audit_events enable trigger user`);
    const res = await admin.get(`/api/v1/audit/export?from=${day}1&to=${day}2&locale=en`);
    const said = Object.fromEntries(parsed(res.raw.body, en.audit.csv.id).preamble.filter((r) => r.length === 2));
    expect(said[en.audit.csv.verification]).toBe(`BROKEN at event no. ${id}: ${en.audit.reasons.event_altered}`);
  });
});

describe('csvField', () => {
  it('quotes separators, quotes and line breaks, and defuses formulas', () => {
    expect(csvField('plain 王')).toBe('plain 王');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
  });
});
