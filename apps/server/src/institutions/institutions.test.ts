import { describe, expect, it } from 'vitest';
import { adminClient, buildCaseRequest, Client, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();

describe('who sees which institutions', () => {
  it('shows managers all, a partner member their own, others only those on the cases they see', async () => {
    const admin = await adminClient(t);
    const mine = (await admin.post('/api/v1/institutions', { name: 'Visible Partner (Test)', country: 'CN', kind: 'partner' })).body;
    const other = (await admin.post('/api/v1/institutions', { name: 'Unseen Partner (Test)', country: 'CN', kind: 'partner' })).body;
    const consent = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body;

    const partner = await t.user({ role: 'partner', institutionId: mine.id });
    const pc = new Client(t.app);
    await pc.signIn(partner.email);
    const created = await pc.post('/api/v1/cases', buildCaseRequest({}, consent.id));
    expect(created.status).toBe(201);

    const nurse = await t.user({ role: 'nurse' });
    const nc = new Client(t.app);
    await nc.signIn(nurse.email);
    const names = async (c: Client) => (await c.get('/api/v1/institutions')).body.items.map((i: { name: string }) => i.name).sort();

    expect(await names(admin)).toEqual(expect.arrayContaining(['Unseen Partner (Test)', 'Visible Partner (Test)']));
    expect(await names(pc)).toEqual(['Visible Partner (Test)']);
    // Not on the case's team yet: no case, no institution.
    expect(await names(nc)).toEqual([]);
    const coordinator = await adminClient(t);
    await coordinator.put(`/api/v1/cases/${created.body.id}/team`, { members: [{ userId: nurse.id, role: 'nurse' }] });
    expect(await names(nc)).toEqual(['Visible Partner (Test)']);
    expect(other.id).toBeTruthy();
  });
});
