import { expect, type Browser, type BrowserContextOptions, type Page } from '@playwright/test';
import { catalogs, type Locale } from '@kakehashi/core/i18n';
import { DEMO_PASSWORD } from './env.ts';
import { nextCode, rememberSecret } from './totp.ts';

export type Catalog = (typeof catalogs)[Locale];
export const LOCALE_LIST: Locale[] = ['ja', 'zh-CN', 'en'];
export const t = (locale: Locale): Catalog => catalogs[locale];

/** Fills e-mail and password on /sign-in and submits. */
export async function submitPassword(page: Page, email: string, password = DEMO_PASSWORD) {
  if (!page.url().endsWith('/sign-in')) await page.goto('/sign-in');
  const form = page.getByTestId('sign-in');
  await expect(form).toHaveAttribute('data-step', 'password');
  await form.locator('input[name=email]').fill(email);
  await form.locator('input[name=password]').fill(password);
  await form.locator('button[type=submit]').click();
}

/** Reads the key from the enrolment screen, remembers it and confirms with a fresh code. */
export async function completeEnrolment(page: Page, email: string) {
  const form = page.getByTestId('sign-in');
  const secret = (await form.getByTestId('totp-secret').innerText()).trim();
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  rememberSecret(email, secret);
  await form.locator('input[name=code]').fill(await nextCode(email));
  await form.locator('button[type=submit]').click();
}

export async function completeTotp(page: Page, email: string) {
  const form = page.getByTestId('sign-in');
  await form.locator('input[name=code]').fill(await nextCode(email));
  await form.locator('button[type=submit]').click();
}

/** Signs in through the UI whatever the second step is, and waits for the home page. */
export async function signInUI(page: Page, email: string, password = DEMO_PASSWORD) {
  await submitPassword(page, email, password);
  const next = page.locator('[data-testid=sign-in][data-step=totp], [data-testid=sign-in][data-step=enrol], [data-testid=current-user]');
  await expect(next.first()).toBeVisible();
  const step = await page.getByTestId('sign-in').getAttribute('data-step', { timeout: 1000 }).catch(() => null);
  if (step === 'enrol') await completeEnrolment(page, email);
  else if (step === 'totp') await completeTotp(page, email);
  await expect(page.getByTestId('current-user')).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
}

/** A staff member signed in through the UI in a fresh desktop-size browser context of their own, in `locale`. */
export async function staffPage(browser: Browser, user: { email: string }, locale: Locale, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ locale, storageState: { cookies: [], origins: [] }, viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  await signInUI(page, user.email);
  return { context, page };
}
