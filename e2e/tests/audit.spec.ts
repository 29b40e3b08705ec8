import { expect, test } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { adminStatePath } from '../support/env.ts';
import { submitPassword, t } from '../support/ui.ts';

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
