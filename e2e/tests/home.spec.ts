import { expect, test, type Page } from '@playwright/test';
import type { Locale } from '@kakehashi/core/i18n';
import { AdminApi, type User } from '../support/api.ts';
import { DEMO, adminStatePath } from '../support/env.ts';
import { LOCALE_LIST, signInUI, t } from '../support/ui.ts';
import { caseThroughApi, guestCall, readyToSchedule, type ApiCase } from '../support/cases.ts';
import { shoot } from '../support/shots.ts';

const ja = t('ja');
const en = t('en');
const NO_STATE = { cookies: [], origins: [] };

let coordinator: User;
let physician: User;
let fresh: ApiCase;
let asked: ApiCase;
/** A case the hospital wrote to in Japanese: the patient's portal marks it (its own case, so the test stands alone). */
let answered: ApiCase;
const HOSPITAL_NOTE = '病理報告書をお送りください。（テスト）';
let teamCase: ApiCase;
let adminName = '';
let partner: User;
let viaPartner: ApiCase;

test.use({ storageState: NO_STATE });

test.beforeAll(async () => {
  const admin = await AdminApi.open();
  adminName = (await admin.call<{ name: string }>('GET', '/me')).name;
  // Without a stored language: the browser's decides, so one account can be looked at in each.
  coordinator = await admin.buildUser({ role: 'coordinator', name: 'Coordinator 佐藤 Home' });
  physician = await admin.buildUser({ role: 'physician', name: 'Dr. 田中 Home' });
  fresh = await caseThroughApi(admin);
  asked = await caseThroughApi(admin);
  await admin.call('POST', `/cases/${asked.id}/screening`, { eligibility: 'eligible', reason: '', rules: {} });
  await guestCall(asked.token, 'POST', `/cases/${asked.id}/messages`, { body: '请问还需要哪些资料？（测试）' });
  answered = await caseThroughApi(admin);
  await admin.call('POST', `/cases/${answered.id}/messages`, { body: HOSPITAL_NOTE }, { 'accept-language': 'ja' });
  teamCase = await caseThroughApi(admin);
  await readyToSchedule(admin, teamCase.id, [{ userId: physician.id, role: 'physician' }]);
  partner = await admin.buildUser({ role: 'partner', name: 'Partner 李 Home' });
  viaPartner = await caseThroughApi(admin, { institutionId: (await admin.institutionNamed(DEMO.partnerInstitution)).id });
  await admin.dispose();
});

/** The same page in each language, through the language the app remembers. */
async function inEachLanguage(page: Page, name: string, ready: (locale: Locale) => Promise<void>) {
  for (const locale of LOCALE_LIST) {
    await page.evaluate((l) => localStorage.setItem('kakehashi.locale', l), locale);
    await page.reload();
    await ready(locale);
    await shoot(page, `${name}-${locale}`);
  }
}

test.describe('a coordinator’s home (ja)', () => {
  test.use({ locale: 'ja' });

  test('is a work queue: new requests, unanswered messages and visits, each leading to its case', async ({ page }) => {
    await test.step('sign in and see the queues', async () => {
      await signInUI(page, coordinator.email);
      const queues = page.getByTestId('work-queues');
      await expect(queues.getByRole('heading', { name: ja.home.work.newRequests })).toBeVisible();
      await expect(page.getByTestId('queue-new').getByRole('link', { name: new RegExp(fresh.number) })).toBeVisible();
      await expect(page.getByTestId('queue-unanswered').getByRole('link', { name: new RegExp(asked.number) })).toBeVisible();
      await expect(page.getByTestId('queue-waiting')).toBeVisible();
      await expect(queues.getByRole('heading', { name: ja.home.work.visits_other.replace('{{count}}', '7') })).toBeVisible();
      // Whoever manages cases has no "your cases" list: the department's queues are theirs.
      await expect(page.getByTestId('queue-cases')).toHaveCount(0);
    });

    await test.step('screenshots of the home page in each language', async () => {
      await inEachLanguage(page, 'home-coordinator', async (l) => {
        await expect(page.getByRole('heading', { name: t(l).home.work.unanswered })).toBeVisible();
      });
      await page.evaluate(() => localStorage.setItem('kakehashi.locale', 'ja'));
      await page.reload();
    });

    await test.step('answer the patient from the queue, seeing the patient’s language beside the box', async () => {
      await page.getByTestId('queue-unanswered').getByRole('link', { name: new RegExp(asked.number) }).click();
      await expect(page.getByRole('heading', { level: 1 })).toContainText(asked.number);
      const thread = page.getByTestId('messages');
      await expect(thread.getByTestId('patient-language')).toHaveText(ja.languageMarks.patientLanguage.replace('{{language}}', ja.languages['zh-CN']));
      // The patient's message is marked as written in Chinese, with its language on the element.
      await expect(thread.locator('.message__body[lang="zh-CN"]')).toHaveText('请问还需要哪些资料？（测试）');
      await thread.locator('textarea[name=message]').fill(HOSPITAL_NOTE);
      await thread.getByRole('button', { name: ja.messages.send }).click();
      await expect(thread.locator('.message__body[lang="ja"]')).toHaveText(HOSPITAL_NOTE);
      await shoot(page, 'case-messages-ja', thread);
    });

    await test.step('the answered message leaves the queue', async () => {
      await page.goto('/');
      await expect(page.getByTestId('queue-new')).toBeVisible();
      await expect(page.getByTestId('queue-unanswered').getByRole('link', { name: new RegExp(asked.number) })).toHaveCount(0);
    });

    await test.step('the inbox names the country, who asked and the next step', async () => {
      await page.goto(`/cases?q=${encodeURIComponent(fresh.number)}`);
      const row = page.getByTestId('case-inbox').getByRole('row', { name: new RegExp(fresh.number) });
      await expect(row).toContainText(ja.cases.requesterTypes.family);
      await expect(row).toContainText(ja.cases.nextStep.screen);
      await expect(row).toContainText('中国');
      await inEachLanguage(page, 'inbox-coordinator', async (l) => {
        await expect(page.getByTestId('case-inbox').getByRole('row', { name: new RegExp(fresh.number) })).toContainText(t(l).cases.nextStep.screen);
      });
    });
  });
});

test.describe('a full queue (ja)', () => {
  test.use({ locale: 'ja' });

  test('says how many more wait and leads to them in the inbox', async ({ page }) => {
    const admin = await AdminApi.open();
    const more: ApiCase[] = [];
    try {
      for (let i = 0; i < 20; i++) more.push(await caseThroughApi(admin));
      await signInUI(page, (await admin.buildUser({ role: 'coordinator', name: 'Coordinator 高橋 Queue' })).email);
      const note = page.getByTestId('queue-new-more');
      await expect(note).toBeVisible();
      const total = Number(await page.getByTestId('queue-new').getByRole('heading').locator('.badge').innerText());
      expect(total).toBeGreaterThanOrEqual(21);
      await expect(page.getByTestId('queue-new').getByRole('listitem')).toHaveCount(20);
      await expect(note).toHaveText(ja.home.work.more_other.replace('{{count}}', String(total - 20)));
      await shoot(page, 'home-full-queue-ja', page.getByTestId('queue-new'));
      await note.getByRole('link').click();
      await expect(page).toHaveURL(/\/cases\?status=requested/);
      await expect(page.getByTestId('case-inbox').getByRole('row', { name: new RegExp(more[19].number) })).toBeVisible();
    } finally {
      // Out of the queue again, for whatever runs next.
      for (const c of more) await admin.call('POST', `/cases/${c.id}/status`, { to: 'cancelled', note: '' });
      await admin.dispose();
    }
  });
});

test.describe('the patient’s portal (zh-CN)', () => {
  test.use({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });

  test('marks the hospital’s Japanese message as written in Japanese', async ({ page }) => {
    await page.goto(`/portal#${answered.token}`);
    const thread = page.getByTestId('messages');
    const hospital = thread.locator('.message__body[lang="ja"]');
    await expect(hospital).toHaveText(HOSPITAL_NOTE);
    await expect(thread.getByTestId('lang-mark').first()).toHaveText('原文为日语');
    await shoot(page, 'portal-language-mark-zh-CN', thread);
  });
});

test.describe('a physician’s home (en)', () => {
  test.use({ locale: 'en' });

  test('shows their cases and visits, and none of the department’s queues', async ({ page }) => {
    await signInUI(page, physician.email);
    const cases = page.getByTestId('queue-cases');
    await expect(cases.getByRole('heading', { name: en.home.work.cases })).toBeVisible();
    await expect(cases.getByRole('link', { name: new RegExp(teamCase.number) })).toBeVisible();
    await expect(cases).toContainText(en.cases.nextStep.offer_times);
    await expect(page.getByRole('heading', { name: en.home.work.visits_other.replace('{{count}}', '60') })).toBeVisible();
    await expect(page.getByTestId('queue-new')).toHaveCount(0);
    await expect(page.getByTestId('queue-unanswered')).toHaveCount(0);
    // No new request button: physicians do not submit requests.
    await expect(page.getByRole('link', { name: en.caseInbox.newRequest })).toHaveCount(0);
    await inEachLanguage(page, 'home-physician', async (l) => {
      await expect(page.getByRole('heading', { name: t(l).home.work.cases })).toBeVisible();
    });
    await page.evaluate(() => localStorage.setItem('kakehashi.locale', 'en'));
    await page.goto('/cases');
    await expect(page.getByText(en.caseInbox.introTeam)).toBeVisible();
    await page.getByRole('link', { name: teamCase.number }).click();
    // Who changed the case, by name: never an e-mail address.
    await expect(page.getByTestId('history')).toContainText(adminName);
    await expect(page.getByTestId('history')).not.toContainText('@');
    await shoot(page, 'case-history-physician-en', page.getByTestId('history'));
  });
});

test.describe('a partner’s home (zh-CN)', () => {
  test.use({ locale: 'zh-CN' });

  test('shows their institution’s cases and no department queues', async ({ page }) => {
    await signInUI(page, partner.email);
    const cases = page.getByTestId('queue-cases');
    await expect(cases.getByRole('link', { name: new RegExp(viaPartner.number) })).toBeVisible();
    // Cases of no institution (the public form's) are not theirs.
    await expect(cases.getByRole('link', { name: new RegExp(fresh.number) })).toHaveCount(0);
    await expect(page.getByTestId('queue-new')).toHaveCount(0);
    await inEachLanguage(page, 'home-partner', async (l) => {
      await expect(page.getByRole('heading', { name: t(l).home.work.cases })).toBeVisible();
    });
  });
});

test.describe('an administrator’s home', () => {
  test.use({ storageState: adminStatePath(), locale: 'ja' });

  test('has the department’s queues and the administration shortcuts', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('queue-new')).toBeVisible();
    await expect(page.getByRole('link', { name: ja.nav.outbox })).toHaveCount(2);
    await inEachLanguage(page, 'home-admin', async (l) => {
      await expect(page.getByRole('heading', { name: t(l).home.work.admin })).toBeVisible();
    });
  });
});
