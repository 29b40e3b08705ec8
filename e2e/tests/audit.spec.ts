import fs from 'node:fs';
import { expect, request, test } from '@playwright/test';
import { AdminApi, apiSignIn } from '../support/api.ts';
import { caseThroughApi, guestCall } from '../support/cases.ts';
import { adminStatePath, baseURL } from '../support/env.ts';
import { shoot } from '../support/shots.ts';
import { LOCALE_LIST, submitPassword, t } from '../support/ui.ts';

const c = t('en');
test.use({ locale: 'en-GB' });

test('an administrator finds a sign-in in the audit log by e-mail, and the failed one by outcome', async ({ browser }) => {
  const admin = await AdminApi.open();
  const nurse = await admin.buildUser({ role: 'nurse' });
  await admin.dispose();

  // The nurse signs in once, and once with a wrong password.
  const nurseContext = await browser.newContext({ locale: 'en-GB' });
  const nursePage = await nurseContext.newPage();
  await submitPassword(nursePage, nurse.email, nurse.password);
  await expect(nursePage.getByTestId('current-user')).toHaveText(nurse.name);
  await nursePage.getByRole('button', { name: c.common.signOut }).click();
  await submitPassword(nursePage, nurse.email, 'wrong password, twice over');
  await expect(nursePage.getByRole('alert')).toHaveText(c.errors.invalid_credentials);
  await nurseContext.close();

  const context = await browser.newContext({ locale: 'en-GB', storageState: adminStatePath(), timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  await page.goto('/admin/audit');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.audit.title);
  await expect(page.getByText(c.common.timeZoneNote.replace('{{zone}}', 'Asia/Shanghai'))).toBeVisible();

  const search = page.getByRole('search');
  await search.getByLabel(c.audit.actor, { exact: true }).fill(nurse.email);
  await search.getByRole('button', { name: c.common.search }).click();
  const rows = page.getByTestId('audit-table').locator('tbody tr');
  const signIns = rows.filter({ hasText: 'auth.sign_in' });
  await expect(signIns.filter({ hasText: c.audit.outcomes.allowed })).toHaveCount(1);
  await expect(signIns.filter({ hasText: c.audit.outcomes.denied })).toHaveCount(1);
  await expect(page).toHaveURL(/actor=/);

  await search.getByLabel(c.audit.outcome, { exact: true }).selectOption('denied');
  await search.getByRole('button', { name: c.common.search }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('auth.sign_in');
  await expect(rows.first()).toContainText(c.audit.outcomes.denied);
  await expect(rows.first()).toContainText(nurse.email);
  await context.close();
});

test('a case page shows its own access record, and an administrator downloads the period for an auditor', async ({ browser }) => {
  const admin = await AdminApi.open();
  const me = await admin.call<{ name: string }>('GET', '/me');
  const kase = await caseThroughApi(admin);
  // A coordinator opens the case (through the API): a name to find in the record.
  const coordinator = await admin.buildUser({ role: 'coordinator', name: 'Coordinator 佐藤 Demo' });
  const coordinatorApi = await request.newContext({ baseURL: baseURL() });
  await apiSignIn(coordinatorApi, coordinator.email);
  expect((await coordinatorApi.get(`/api/v1/cases/${kase.id}`)).ok()).toBe(true);
  await coordinatorApi.dispose();
  await admin.dispose();

  const context = await browser.newContext({ locale: 'en-GB', storageState: adminStatePath(), acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`/cases/${kase.id}`);
  const panel = page.getByTestId('case-audit');
  await expect(panel.getByRole('heading', { name: c.caseView.audit.title })).toBeVisible();
  const trail = panel.getByTestId('case-audit-table');
  await expect(trail).toBeHidden();
  await panel.getByText(c.caseView.audit.title).click();
  const rows = trail.locator('tbody tr');
  await expect(rows.filter({ hasText: c.audit.actions.case.create })).toHaveCount(1);
  await expect(rows.filter({ hasText: c.audit.actions.case.read }).filter({ hasText: 'Coordinator 佐藤 Demo' })).toHaveCount(1);
  await expect(rows.filter({ hasText: c.audit.actions.case.read }).filter({ hasText: me.name }).first()).toBeVisible();

  // The audit screen names the case by its number, the event in words.
  await page.goto(`/admin/audit?subject=${kase.id}`);
  const events = page.getByTestId('audit-table').locator('tbody tr');
  await expect(events.filter({ hasText: c.audit.actions.case.audit_read })).toHaveCount(1);
  await expect(events.filter({ hasText: c.audit.actions.case.read }).first()).toContainText(c.audit.caseNumber.replace('{{number}}', kase.number));

  // The period's file: today (UTC), in the screen's language, with the BOM Excel needs.
  const today = new Date().toISOString().slice(0, 10);
  const search = page.getByRole('search');
  await search.getByLabel(c.audit.from, { exact: true }).fill(today);
  await search.getByLabel(c.audit.to, { exact: true }).fill(today);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-download').click()]);
  expect(download.suggestedFilename()).toBe(`kakehashi-audit-${today}-${today}.csv`);
  const bytes = fs.readFileSync((await download.path())!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.toString('utf8');
  const h = c.audit.csv;
  expect(text).toContain([h.id, h.at, h.actor, h.actorName, h.actionCode, h.action, h.case, h.subjectType, h.subjectId, h.outcome, h.ip, h.details].join(','));
  expect(text).toContain(`${h.verification},"${h.verifiedOk}"`);
  const lines = text.split('\r\n');
  expect(lines.some((l) => l.includes(`,Coordinator 佐藤 Demo,case.read,${c.audit.actions.case.read},${kase.number},case,${kase.id},`))).toBe(true);
  // The download is itself in the log.
  await page.goto('/admin/audit?action=audit.export');
  await expect(page.getByTestId('audit-table').locator('tbody tr').first()).toContainText(c.audit.actions.audit.export);
  await context.close();
});

for (const locale of LOCALE_LIST) {
  test(`the audit screen and a case's access record, in ${locale} (screenshots)`, async ({ browser }) => {
    const l = t(locale);
    const admin = await AdminApi.open();
    const kase = await caseThroughApi(admin);
    await admin.call('GET', `/cases/${kase.id}`);
    await admin.dispose();
    // The patient side opens its portal: a read without a user's name.
    expect((await guestCall(kase.token, 'GET', '/portal/case')).status).toBe(200);
    const context = await browser.newContext({ locale, storageState: adminStatePath(), timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    await page.goto(`/cases/${kase.id}`);
    const panel = page.getByTestId('case-audit');
    await panel.getByText(l.caseView.audit.title).click();
    await expect(panel.getByTestId('case-audit-table').locator('tbody tr').filter({ hasText: l.audit.actions.case.read }).first()).toBeVisible();
    await expect(panel.getByTestId('case-audit-table').locator('tbody tr').filter({ hasText: l.audit.actorGuest })).toHaveCount(1);
    await shoot(page, `case-audit-${locale}`, panel);

    await page.goto(`/admin/audit?subject=${kase.id}`);
    await expect(page.getByTestId('audit-table').locator('tbody tr').filter({ hasText: l.audit.actions.case.audit_read })).toHaveCount(1);
    await shoot(page, `audit-case-${locale}`);
    await page.goto('/admin/audit');
    await expect(page.getByTestId('audit-table').locator('tbody tr').first()).toBeVisible();
    await shoot(page, `audit-all-${locale}`);
    await context.close();
  });
}
