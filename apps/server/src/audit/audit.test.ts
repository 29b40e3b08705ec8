import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { adminClient, Client, useTestApp } from '../../test/helpers.ts';
import { canonicalJson } from './chain.ts';

const t = useTestApp();

describe('audit log', () => {
  it('records sign-ins, allowed and denied, searchable by who, what and result', async () => {
    const nurse = await t.user();
    const c = new Client(t.app);
    await c.post('/api/v1/auth/sign-in', { email: nurse.email, password: 'wrong' });
    await c.signIn(nurse.email);
    const admin = await adminClient(t);
    const all = await admin.get(`/api/v1/audit?actor=${encodeURIComponent(nurse.email)}&action=auth.sign_in`);
    expect(all.body.items.map((e: { outcome: string }) => e.outcome)).toEqual(['allowed', 'denied']);
    expect(all.body.items[1]).toMatchObject({ subjectType: 'user', subjectId: nurse.id, details: { reason: 'wrong_password' }, ip: '127.0.0.1' });
    const denied = await admin.get(`/api/v1/audit?actor=${encodeURIComponent(nurse.email)}&outcome=denied`);
    expect(denied.body.total).toBe(1);
    const bySubject = await admin.get(`/api/v1/audit?subject=${nurse.id}`);
    expect(bySubject.body.items.some((e: { action: string }) => e.action === 'user.create')).toBe(false); // created by the factory, not an admin
    expect(bySubject.body.total).toBe(2);
    const today = new Date().toISOString().slice(0, 10);
    expect((await admin.get(`/api/v1/audit?from=${today}&to=${today}&actor=${encodeURIComponent(nurse.email)}`)).body.total).toBe(2);
    expect((await admin.get(`/api/v1/audit?to=2000-01-01`)).body.total).toBe(0);
    expect((await admin.get(`/api/v1/audit?from=yesterday`)).status).toBe(400);
    // Searching the log is itself audited.
    const searches = await admin.get(`/api/v1/audit?action=audit.search&actor=${encodeURIComponent(admin.user.email)}`);
    expect(searches.body.total).toBeGreaterThanOrEqual(5);
  });

  it('keeps one unbroken chain when many events are written at once', async () => {
    const audit = t.app.services.audit;
    await Promise.all(Array.from({ length: 25 }, (_, i) => audit.record({ principal: null, ip: '192.0.2.1' }, { action: 'test.concurrent', details: { i } })));
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it('cannot be changed or deleted', async () => {
    await t.app.services.audit.record({ principal: null, ip: null }, { action: 'test.event' });
    const refusal = (statement: ReturnType<typeof sql>) => t.db.execute(statement).then(
      () => 'accepted',
      (err) => String(err.cause?.message ?? err.message),
    );
    expect(await refusal(sql`update audit_events set action = 'x'`)).toMatch(/append-only/);
    expect(await refusal(sql`delete from audit_events`)).toMatch(/append-only/);
    expect(await refusal(sql`truncate audit_events`)).toMatch(/append-only/);
  });

  it('verifies its hash chain and names the first broken link when a row was altered behind its back', async () => {
    await new Client(t.app).post('/api/v1/auth/sign-in', { email: 'someone@example.org', password: 'x' });
    const audit = t.app.services.audit;
    const before = await audit.verify();
    expect(before.ok).toBe(true);
    const { rows } = (await t.db.execute(sql`select id from audit_events order by id limit 1 offset 2`)) as unknown as { rows: { id: string }[] };
    const victim = Number(rows[0].id);
    // Someone with database access disables the guard and edits a row.
    await t.db.execute(sql`alter table audit_events disable trigger audit_events_no_change`);
    await t.db.execute(sql`update audit_events set outcome = 'allowed', details = '{"reason":"edited"}' where id = ${victim}`);
    await t.db.execute(sql`alter table audit_events enable trigger audit_events_no_change`);
    const after = await audit.verify();
    expect(after).toMatchObject({ ok: false, brokenAt: victim, count: 2 });
  });
});

describe('canonicalJson', () => {
  it('orders keys at every depth so jsonb round trips hash the same', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});
