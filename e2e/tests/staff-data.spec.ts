import { expect, test } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { caseThroughApi } from '../support/cases.ts';
import { adminStatePath } from '../support/env.ts';
import { shoot } from '../support/shots.ts';
import { t } from '../support/ui.ts';

const c = t('en');
test.use({ locale: 'en-GB', storageState: adminStatePath() });

test('a triage change shows at once on the case page, its audit trail and the inbox, without reloading', async ({ page }) => {
  const admin = await AdminApi.open();
  const created = await caseThroughApi(admin);
  await admin.dispose();

  await test.step('the inbox lists the new case', async () => {
    await page.goto(`/cases?q=${created.number}`);
    await expect(page.getByTestId('case-inbox').getByRole('row').filter({ hasText: created.number })).toContainText(c.cases.status.requested);
  });

  await test.step('the case page opens from the inbox, with its audit trail', async () => {
    await page.getByRole('link', { name: created.number }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(created.number);
    await page.getByTestId('case-audit').getByText(c.caseView.audit.title).click();
    await expect(page.getByTestId('case-audit-table')).toBeVisible();
    await expect(page.getByTestId('case-audit-table').locator('td[title="case.documents"]')).toHaveCount(0);
  });

  await test.step('marking a document received refreshes the documents and the audit trail', async () => {
    const documents = page.getByTestId('case-documents');
    await documents.locator('[data-kind="referral_letter"]').getByRole('button', { name: c.caseView.markReceived }).click();
    await expect(documents.locator('[data-kind="referral_letter"]')).toContainText(c.caseTerms.documentStatuses.received);
    await expect(page.getByTestId('case-audit-table').locator('td[title="case.documents"]')).toHaveCount(1);
    // Marking a document cannot change the schedule: it is not read (and audited) a second time.
    await expect(page.getByTestId('case-audit-table').locator('td[title="schedule.read"]')).toHaveCount(1);
    await shoot(page, 'staff-case-en');
  });

  await test.step('a status change shows on the case and, back in the inbox, in the list', async () => {
    await page.getByRole('button', { name: c.caseView.moveTo.replace('{{status}}', c.cases.status.triage) }).click();
    await page.getByRole('dialog').getByRole('button', { name: c.caseView.moveConfirm }).click();
    await expect(page.getByTestId('case-status')).toContainText(c.cases.status.triage);
    await expect(page.getByTestId('case-audit-table').locator('td[title="case.transition"]')).toHaveCount(1);
    await page.getByRole('link', { name: c.caseView.backToInbox }).first().click();
    await expect(page.getByTestId('case-inbox').getByRole('row').filter({ hasText: created.number })).toContainText(c.cases.status.triage);
  });
});

test('an unknown case and a server that stopped answering show a message, not an endless "loading"', async ({ page }) => {
  await test.step('an unknown case', async () => {
    await page.goto('/cases/00000000-0000-4000-8000-000000000000');
    await expect(page.getByRole('alert')).toHaveText(c.errors.not_found);
    await expect(page.getByRole('status')).toHaveCount(0);
    await shoot(page, 'staff-case-unknown-en');
  });

  await test.step('the server stops answering: the inbox says the connection failed', async () => {
    await page.goto('/');
    await expect(page.getByTestId('work-queues')).toBeVisible();
    await page.route('**/api/v1/cases?**', (route) => route.abort('connectionrefused'));
    await page.getByRole('link', { name: c.nav.cases }).first().click();
    await expect(page.getByRole('alert')).toHaveText(c.errors.network, { timeout: 20_000 });
    await shoot(page, 'staff-inbox-offline-en');
  });
});

test('the users list loads (screenshot)', async ({ page }) => {
  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.users.title);
  await expect(page.getByRole('row').filter({ hasText: 'Admin Test' })).toBeVisible();
  await shoot(page, 'staff-users-en');
});
