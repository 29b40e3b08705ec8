import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { adminClient, Client, useTestApp } from '../../test/helpers.ts';
import { canonicalJson, eventDigest } from './chain.ts';

const t = useTestApp();
const anyone = { principal: null, ip: '192.0.2.1' };

/** Runs SQL as the database owner with the append-only guards lifted, as someone with database access would. */
async function behindItsBack(statements: ReturnType<typeof sql>[]) {
  await t.db.execute(sql`alter table audit_events disable trigger user`);
  await t.db.execute(sql`alter table audit_seals disable trigger user`);
  try {
    for (const s of statements) await t.db.execute(s);
  } finally {
    await t.db.execute(sql`alter table audit_events enable trigger user`);
    await t.db.execute(sql`alter table audit_seals enable trigger user`);
  }
}

const ids = async (limit: number) =>
  ((await t.db.execute(sql`select id from audit_events order by id desc limit ${limit}`)) as unknown as { rows: { id: string }[] }).rows.map((r) => Number(r.id)).reverse();

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
    // Searching the log is itself audited, once per search (this one's event commits with it, after the count).
    const searches = await admin.get(`/api/v1/audit?action=audit.read&actor=${encodeURIComponent(admin.user.email)}`);
    expect(searches.body.total).toBe(5);
  });

  it('seals events written at once, from many connections, into one verifiable chain', async () => {
    const audit = t.app.services.audit;
    await Promise.all(Array.from({ length: 40 }, (_, i) => audit.record(t.db, anyone, { action: 'test.concurrent', details: { i } })));
    expect(await audit.seal()).toBeGreaterThanOrEqual(40);
    expect(await audit.seal()).toBe(0);
    const result = await audit.verify();
    expect(result).toMatchObject({ ok: true, unsealed: 0, checkpoint: { state: 'matches' } });
    expect(result.count).toBeGreaterThanOrEqual(40);
  });

  it('never seals past a transaction still running, whose event has a lower id than later ones', async () => {
    const audit = t.app.services.audit;
    await audit.seal();
    const slow = new pg.Client(t.url);
    await slow.connect();
    try {
      await slow.query('begin');
      // Takes its id now, commits last.
      await slow.query(`insert into audit_events (at, action, outcome) values (now(), 'test.slow', 'allowed')`);
      await audit.record(t.db, anyone, { action: 'test.fast' });
      expect(await audit.seal()).toBe(0);
      expect((await audit.verify()).unsealed).toBe(1);
      await slow.query('commit');
      expect(await audit.seal()).toBe(2);
      expect(await audit.verify()).toMatchObject({ ok: true, unsealed: 0 });
    } finally {
      await slow.end();
    }
  });

  it('cannot be changed or deleted, nor can its seals', async () => {
    await t.app.services.audit.record(t.db, anyone, { action: 'test.event' });
    await t.app.services.audit.seal();
    const refusal = (statement: ReturnType<typeof sql>) =>
      t.db.execute(statement).then(
        () => 'accepted',
        (err) => String(err.cause?.message ?? err.message),
      );
    for (const table of ['audit_events', 'audit_seals']) {
      expect(await refusal(sql.raw(`update ${table} set id = id`))).toMatch(/append-only/);
      expect(await refusal(sql.raw(`delete from ${table}`))).toMatch(/append-only/);
      expect(await refusal(sql.raw(`truncate ${table}`))).toMatch(/append-only/);
    }
  });

  it('names the first event altered, removed, inserted or reordered behind its back', async () => {
    const audit = t.app.services.audit;
    for (let i = 0; i < 4; i++) await audit.record(t.db, anyone, { action: 'test.victim', details: { i } });
    await audit.seal();
    expect((await audit.verify()).ok).toBe(true);
    const [a, b, c, d] = await ids(4);

    await behindItsBack([sql`update audit_events set outcome = 'denied' where id = ${b}`]);
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: b, reason: 'an event was altered' });
    await behindItsBack([sql`update audit_events set outcome = 'allowed' where id = ${b}`]);
    expect((await audit.verify()).ok).toBe(true);

    // Two events swap places (their content moves to the other id).
    await behindItsBack([sql`update audit_events set details = '{"i":2}' where id = ${b}`, sql`update audit_events set details = '{"i":1}' where id = ${c}`]);
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: b });
    await behindItsBack([sql`update audit_events set details = '{"i":1}' where id = ${b}`, sql`update audit_events set details = '{"i":2}' where id = ${c}`]);

    const saved = (await t.db.execute(sql`select * from audit_events where id = ${c}`)) as unknown as { rows: Record<string, unknown>[] };
    await behindItsBack([sql`delete from audit_events where id = ${c}`]);
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: c, reason: 'an event was removed' });
    const r = saved.rows[0];
    await behindItsBack([
      sql`insert into audit_events (id, txid, at, action, outcome, ip, details) values (${c}, ${String(r.txid)}::xid8, ${r.at as Date}, ${String(r.action)}, 'allowed', ${String(r.ip)}, ${JSON.stringify(r.details)}::jsonb)`,
    ]);
    expect((await audit.verify()).ok).toBe(true);

    // A forged event slipped into a sealed range, with the right transaction id.
    const txid = String(r.txid);
    await behindItsBack([sql`insert into audit_events (id, txid, at, action, outcome) values (${d + 1000}, ${txid}::xid8, now(), 'test.forged', 'allowed')`]);
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: d + 1000, reason: 'an event was inserted' });
    await behindItsBack([sql`delete from audit_events where id = ${d + 1000}`]);
    expect((await audit.verify()).ok).toBe(true);
    expect(a).toBeLessThan(b);
  });

  it('is keyed: an edit with recomputed digests, without the server secret, is still caught', async () => {
    const audit = t.app.services.audit;
    await audit.record(t.db, anyone, { action: 'test.keyed', details: { amount: 1 } });
    await audit.seal();
    const [victim] = await ids(1);
    const { rows } = (await t.db.execute(sql`select * from audit_seals order by id desc limit 1`)) as unknown as { rows: Record<string, string>[] };
    const seal = rows[0];
    const [row] = ((await t.db.execute(sql`select * from audit_events where id = ${victim}`)) as unknown as { rows: Record<string, unknown>[] }).rows;
    // The forger recomputes the event's digest and the seal's hash with a key of their own.
    const forged = { ...row, id: victim, txid: String(row.txid), at: new Date(row.at as string), actorUserId: null, actorLabel: null, action: 'test.keyed', subjectType: null, subjectId: null, outcome: 'allowed', ip: null, details: { amount: 1000 } };
    const digest = eventDigest(Buffer.alloc(32, 7), forged as never);
    const events = seal.events.replace(new RegExp(`${victim}:[0-9a-f]+`), `${victim}:${digest}`);
    await behindItsBack([
      sql`update audit_events set details = ${canonicalJson({ amount: 1000 })}::jsonb where id = ${victim}`,
      sql`update audit_seals set events = ${events} where id = ${Number(seal.id)}`,
    ]);
    const result = await audit.verify();
    expect(result.ok).toBe(false);
    expect(result.brokenSeal).toBe(Number(seal.id));
  });
});

describe('audit checkpoint outside the database', () => {
  const t2 = useTestApp();

  it('catches the newest events and seals removed together, and is re-anchored after a restore', async () => {
    const audit = t2.app.services.audit;
    const file = path.join(t2.config.dataDir, 'audit-checkpoint.json');
    await audit.record(t2.db, anyone, { action: 'test.first' });
    await audit.seal();
    await audit.record(t2.db, anyone, { action: 'test.last' });
    await audit.seal();
    expect(existsSync(file)).toBe(true);
    expect(await audit.verify()).toMatchObject({ ok: true, checkpoint: { state: 'matches' } });
    // What the administrator's screen shows, without walking the chain.
    const admin = await adminClient(t2);
    const shown = await admin.get('/api/v1/audit/status');
    expect(shown.body).toMatchObject({ unsealed: expect.any(Number), checkpoint: { state: 'matches' }, newestSeal: { lastEventId: expect.any(Number) } });

    // Whoever can run SQL removes the last event and its seal: the chain that is left is consistent…
    await t2.db.execute(sql`alter table audit_events disable trigger user`);
    await t2.db.execute(sql`alter table audit_seals disable trigger user`);
    await t2.db.execute(sql`delete from audit_events where action = 'test.last'`);
    await t2.db.execute(sql`delete from audit_seals where id = (select max(id) from audit_seals)`);
    await t2.db.execute(sql`alter table audit_events enable trigger user`);
    await t2.db.execute(sql`alter table audit_seals enable trigger user`);
    // …but the checkpoint names a seal the database no longer has.
    const truncated = await audit.verify();
    expect(truncated).toMatchObject({ ok: false, checkpoint: { state: 'ahead_of_database' } });
    expect(truncated.reason).toMatch(/backup was restored/);
    expect((await admin.get('/api/v1/audit/status')).body.checkpoint.state).toBe('ahead_of_database');
    // Sealing stops rather than chain on over the gap; the checkpoint stays where it was.
    await audit.record(t2.db, anyone, { action: 'test.after' });
    await expect(audit.seal()).rejects.toThrow(/behind its checkpoint/);
    expect((await audit.verify()).checkpoint.state).toBe('ahead_of_database');

    // A forged checkpoint (no key) is refused.
    const saved = readFileSync(file, 'utf8');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(saved), sealId: 1 }));
    expect((await audit.verify()).checkpoint.state).toBe('forged');
    writeFileSync(file, saved);

    // After restoring a backup, an administrator re-anchors; that is itself in the log.
    const moved = await audit.anchor({ principal: null, ip: null }, 'test');
    expect(moved.to).toBeLessThan(moved.from!);
    await audit.seal();
    expect(await audit.verify()).toMatchObject({ ok: true, checkpoint: { state: 'matches' } });
    const anchors = await audit.search({ action: 'audit.anchor', page: 1, pageSize: 5 });
    expect(anchors.total).toBe(1);
  });
});

describe('canonicalJson', () => {
  it('orders keys at every depth so jsonb round trips hash the same', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});
