import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { conflict } from '../errors.ts';
import type { Actor } from '../auth/principal.ts';
import { useTestApp } from '../../test/helpers.ts';

const t = useTestApp();

const events = async (action: string) =>
  rowsOf<{ outcome: string; details: Record<string, unknown> | null }>(await t.db.execute(sql`select outcome, details from audit_events where action = ${action} order by id`));
const institutionsNamed = async (name: string) =>
  Number(rowsOf<{ n: string }>(await t.db.execute(sql`select count(*) as n from institutions where name = ${name}`))[0].n);

async function adminActor(): Promise<Actor> {
  const admin = await t.user({ role: 'admin' });
  return {
    principal: { kind: 'user', via: 'token', tokenId: 'test', user: { id: admin.id, email: admin.email, name: 'Admin Test', role: 'admin', institutionId: null, locale: null, totpEnabled: false } },
    ip: '192.0.2.10',
    userAgent: null,
    locale: 'en',
  };
}

describe('the gate', () => {
  it('commits the work and its event together', async () => {
    const actor = await adminActor();
    await t.app.services.gate.run(actor, 'institution.create', null, async ({ tx, audit }) => {
      await tx.execute(sql`insert into institutions (name, country, kind) values ('Gate Work (Test)', 'JP', 'partner')`);
      audit.details = { note: 'done' };
    });
    expect(await institutionsNamed('Gate Work (Test)')).toBe(1);
    expect(await events('institution.create')).toEqual([{ outcome: 'allowed', details: { note: 'done' } }]);
  });

  it('leaves no work and no allowed event when the work is refused after the decision, and records the failure', async () => {
    const actor = await adminActor();
    await expect(
      t.app.services.gate.run(actor, 'institution.update', null, async ({ tx }) => {
        await tx.execute(sql`insert into institutions (name, country, kind) values ('Gate Rolled Back (Test)', 'JP', 'partner')`);
        throw conflict('case_changed');
      }),
    ).rejects.toMatchObject({ code: 'case_changed' });
    expect(await institutionsNamed('Gate Rolled Back (Test)')).toBe(0);
    expect(await events('institution.update')).toEqual([{ outcome: 'failed', details: { code: 'case_changed' } }]);
  });

  it('writes no event for a read the work says an earlier event covers, and always one for a write', async () => {
    const actor = await adminActor();
    await t.app.services.gate.run(actor, 'user.list', null, async ({ audit }) => {
      audit.covered = true;
    });
    expect(await events('user.list')).toEqual([]);
    const writes = (await events('institution.create')).length;
    await t.app.services.gate.run(actor, 'institution.create', null, async ({ tx, audit }) => {
      await tx.execute(sql`insert into institutions (name, country, kind) values ('Gate Covered (Test)', 'JP', 'partner')`);
      audit.covered = true;
    });
    expect(await events('institution.create')).toHaveLength(writes + 1);
  });

  it('leaves no event at all when the work breaks (the error is not the caller’s to see)', async () => {
    const actor = await adminActor();
    await expect(
      t.app.services.gate.run(actor, 'token.create', null, async ({ tx }) => {
        await tx.execute(sql`insert into institutions (name, country, kind) values ('Gate Broken (Test)', 'JP', 'partner')`);
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(await institutionsNamed('Gate Broken (Test)')).toBe(0);
    expect(await events('token.create')).toEqual([]);
  });

  it('never runs the work of a refused caller, and records the refusal after the rollback', async () => {
    const nurse = await t.user({ role: 'nurse' });
    const actor: Actor = {
      principal: { kind: 'user', via: 'token', tokenId: 'test', user: { id: nurse.id, email: nurse.email, name: 'Nurse Test', role: 'nurse', institutionId: null, locale: null, totpEnabled: false } },
      ip: null,
      userAgent: null,
      locale: 'en',
    };
    let ran = false;
    await expect(t.app.services.gate.run(actor, 'consent.publish', null, async () => void (ran = true))).rejects.toMatchObject({ code: 'forbidden' });
    expect(ran).toBe(false);
    expect(await events('consent.publish')).toEqual([{ outcome: 'denied', details: {} }]);
  });
});
