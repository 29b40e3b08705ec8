import { expect, test } from '@playwright/test';
import { AdminApi } from '../support/api.ts';
import { LOCALE_LIST, completeEnrolment, completeTotp, submitPassword, t } from '../support/ui.ts';
import { nextCode, rememberSecret } from '../support/totp.ts';

let admin: AdminApi;
test.beforeAll(async () => {
  admin = await AdminApi.open();
});
test.afterAll(async () => {
  await admin.dispose();
});

for (const locale of LOCALE_LIST) {
  test.describe(`in ${locale}`, () => {
    // The browser's language picks the UI language on the first visit.
    test.use({ locale });

    test('a coordinator sets up two-step verification, signs out and signs in again with a code', async ({ page }) => {
      const c = t(locale);
      const user = await admin.buildUser({ role: 'coordinator' });

      await page.goto('/sign-in');
      await expect(page.locator('html')).toHaveAttribute('lang', locale);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.signIn.title);
      await expect(page).toHaveTitle(c.common.documentTitle.replace('{{page}}', c.signIn.title).replace('{{app}}', c.common.appName));
      await expect(page.getByTestId('language-picker')).toHaveValue(locale);

      // A wrong password: the server's own translated message, announced as an alert.
      await submitPassword(page, user.email, 'not-the-password');
      await expect(page.getByRole('alert')).toHaveText(c.errors.invalid_credentials);

      await submitPassword(page, user.email, user.password);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.signIn.enrolTitle);
      await expect(page.getByRole('img', { name: c.signIn.enrolQrAlt })).toBeVisible();
      await completeEnrolment(page, user.email);

      await expect(page).toHaveURL(/\/$/);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.home.welcome.replace('{{name}}', user.name));
      await expect(page.getByText(c.roles.coordinator, { exact: true })).toBeVisible();
      await expect(page.getByText(c.home.twoStepOn, { exact: true })).toBeVisible();

      await page.getByRole('button', { name: c.common.signOut }).click();
      await expect(page).toHaveURL(/\/sign-in$/);
      await expect(page.getByRole('status').filter({ hasText: c.signIn.signedOut })).toBeVisible();

      // Signed out means signed out: a deep link sends us back to sign-in.
      await page.goto('/admin/users');
      await expect(page).toHaveURL(/\/sign-in$/);
      await expect(page.getByRole('status').filter({ hasText: c.errors.unauthenticated })).toBeVisible();

      await submitPassword(page, user.email, user.password);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.signIn.totpTitle);
      await expect(page.locator('input[name=code]')).toHaveAttribute('autocomplete', 'one-time-code');
      await expect(page.locator('input[name=code]')).toHaveAttribute('inputmode', 'numeric');

      // A wrong code first, then the right one.
      await page.locator('input[name=code]').fill('000000');
      await page.getByRole('button', { name: c.signIn.verify }).click();
      await expect(page.getByRole('alert')).toHaveText(c.errors.totp_invalid);
      await completeTotp(page, user.email);

      // Back to the page asked for; a coordinator may not administer users, and is told so.
      await expect(page).toHaveURL(/\/admin\/users$/);
      await expect(page.getByRole('alert')).toHaveText(c.errors.forbidden);
      await expect(page.getByTestId('current-user')).toHaveText(user.name);
      await page.getByRole('link', { name: c.nav.home, exact: true }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.home.welcome.replace('{{name}}', user.name));
    });
  });
}

test.describe('language picker', () => {
  test.use({ locale: 'en-US' });

  test('switches the language on the sign-in page, remembers it and saves it to the account', async ({ page }) => {
    await page.goto('/sign-in');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('en').signIn.title);

    await page.getByTestId('language-picker').selectOption('zh-CN');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('zh-CN').signIn.title);
    await page.reload();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('zh-CN').signIn.title);

    // A nurse needs no second step; her language choice follows her to another browser.
    const nurse = await admin.buildUser({ role: 'nurse' });
    await submitPassword(page, nurse.email, nurse.password);
    await expect(page.getByTestId('current-user')).toHaveText(nurse.name);
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH');
    await page.getByTestId('language-picker').selectOption('ja');
    expect((await saved).status()).toBe(200);
    await expect(page.getByRole('link', { name: t('ja').nav.home })).toBeVisible();
  });

  test('uses the language saved on the account after sign-in', async ({ page }) => {
    const user = await admin.buildUser({ role: 'nurse', locale: 'zh-CN' });
    await page.goto('/sign-in');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('en').signIn.title);
    await submitPassword(page, user.email, user.password);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t('zh-CN').home.welcome.replace('{{name}}', user.name));
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  });
});

test.describe('interrupted sign-in', () => {
  test.use({ locale: 'en' });

  test('reloading the page at the code step lets the user start again', async ({ page }) => {
    const c = t('en');
    const user = await admin.buildUser({ role: 'physician' });
    await submitPassword(page, user.email, user.password);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.signIn.enrolTitle);
    await page.reload();
    await submitPassword(page, user.email, user.password);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.signIn.enrolTitle);
    await completeEnrolment(page, user.email);
    await expect(page.getByTestId('current-user')).toHaveText(user.name);
  });
});

test.describe('forms', () => {
  test.use({ locale: 'ja' });

  test('an empty sign-in form is explained beside each field, in the chosen language', async ({ page }) => {
    const c = t('ja');
    await page.goto('/sign-in');
    await page.getByRole('button', { name: c.signIn.submit }).click();
    await expect(page.getByRole('alert')).toHaveText(c.errors.validation_failed);
    const email = page.getByLabel(c.signIn.email, { exact: true });
    await expect(email).toHaveAttribute('aria-invalid', 'true');
    // The message beside the field comes from the server and is tied to the field for screen readers.
    const describedBy = await email.getAttribute('aria-describedby');
    expect(describedBy).toBeTruthy();
    await expect(page.locator(`[id="${describedBy}"]`)).not.toBeEmpty();
  });

  test('a nurse, who needs no second step, turns it on from the home page', async ({ page }) => {
    const c = t('ja');
    const nurse = await admin.buildUser({ role: 'nurse' });
    await submitPassword(page, nurse.email, nurse.password);
    await expect(page.getByText(c.home.twoStepOff, { exact: true })).toBeVisible();
    await page.getByRole('button', { name: c.home.setUpTwoStep }).click();
    const secret = (await page.getByTestId('totp-secret').innerText()).trim();
    rememberSecret(nurse.email, secret);
    await page.getByLabel(c.signIn.totpCode, { exact: true }).fill(await nextCode(nurse.email));
    await page.getByRole('button', { name: c.signIn.enrolConfirm }).click();
    await expect(page.getByRole('status').filter({ hasText: c.signIn.enrolDone })).toBeVisible();
    await expect(page.getByText(c.home.twoStepOn, { exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: c.home.setUpTwoStep })).toHaveCount(0);
  });
});

test('a deep link opened before the very first sign-in is where the new user lands after setting up two-step verification', async ({ page }) => {
  const c = t('en');
  const user = await admin.buildUser({ role: 'coordinator', locale: 'en' });
  await page.goto('/availability?week=next');
  await expect(page).toHaveURL(/\/sign-in$/);
  await submitPassword(page, user.email, user.password);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.signIn.enrolTitle);
  await completeEnrolment(page, user.email);
  await expect(page).toHaveURL(/\/availability\?week=next$/);
});
