import { randomUUID } from 'node:crypto';
import { expect, request, type Browser, type Page } from '@playwright/test';
import { createI18n } from '@kakehashi/core/i18n';
import { LOCALE_LIST, t, type Catalog } from './ui.ts';
import type { AdminApi } from './api.ts';
import { baseURL } from './env.ts';

/** A day from now, as YYYY-MM-DD. */
export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export interface RequestData {
  requesterName: string;
  email: string;
  phone: string;
  wechatId: string;
  nameNative: string;
  nameLatin: string;
  birthDate: string;
  /** Set for a patient living in Japan (a JIS code): the form then asks for the prefecture. */
  prefecture?: string;
  city: string;
  diagnosis: string;
  department: string;
  questions: string;
  acceptedBy: string;
}

/** A family member in Shanghai asking about her father; names carry a tag so searches find only this case. */
export function familyRequest(): RequestData {
  const tag = randomUUID().slice(0, 6);
  return {
    requesterName: `王丽 ${tag}`,
    email: `wang.li.${tag}@example.org`,
    phone: '+86 138 0000 0000',
    wechatId: `wangli_${tag}`,
    nameNative: `王建国 ${tag}`,
    nameLatin: `WANG Jianguo ${tag}`,
    birthDate: '1958-03-14',
    city: '上海',
    diagnosis: '肺腺癌 IIIA 期（2026 年 2 月确诊）',
    department: 'thoracic_medical',
    questions: '现在还能做手术吗？还有其他治疗方案吗？',
    acceptedBy: `王丽 ${tag}`,
  };
}

/**
 * Fills the request form as a family member; consent ticked only when asked. The staff side
 * (`/cases/new`) words a few labels for the person asking, and names the patient's language (whose
 * consent text then appears) and time zone instead of taking the browser's.
 */
export async function fillRequestForm(page: Page, c: Catalog, d: RequestData, { consent = true, staff = false } = {}) {
  const form = page.getByTestId('request-form');
  await expect(form).toBeVisible();
  const f = c.caseRequest;
  const s = staff ? c.staffRequest : f;
  // Rendered by i18next, as the page does: Chinese numbers the wish in Chinese numerals (第一希望日期).
  const dateN = (n: number) => createI18n().getFixedT(LOCALE_LIST.find((l) => t(l) === c)!)('caseRequest.dateN', { n });
  await form.getByRole('radio', { name: c.cases.requesterTypes.family }).check();
  await form.getByLabel(s.requesterName, { exact: true }).fill(d.requesterName);
  await form.getByLabel(f.email, { exact: true }).fill(d.email);
  await form.getByLabel(f.phone, { exact: true }).fill(d.phone);
  await form.getByLabel(f.wechatId, { exact: true }).fill(d.wechatId);
  await form.getByLabel(f.nameNative, { exact: true }).fill(d.nameNative);
  await form.getByLabel(f.nameLatin, { exact: true }).fill(d.nameLatin);
  await form.getByLabel(f.birthDate, { exact: true }).fill(d.birthDate);
  await form.getByLabel(f.sex, { exact: true }).selectOption('male');
  await form.getByLabel(f.nationality, { exact: true }).selectOption('CN');
  await expect(form.getByLabel(f.prefecture, { exact: true })).toHaveCount(0);
  await form.getByLabel(f.country, { exact: true }).selectOption(d.prefecture ? 'JP' : 'CN');
  if (d.prefecture) await form.getByLabel(f.prefecture, { exact: true }).selectOption(d.prefecture);
  await form.getByLabel(f.city, { exact: true }).fill(d.city);
  if (staff) {
    await form.getByLabel(f.preferredLocale, { exact: true }).selectOption('zh-CN');
    await form.getByLabel(f.timeZone, { exact: true }).selectOption('Asia/Shanghai');
  }
  await form.getByLabel(f.diagnosis, { exact: true }).fill(d.diagnosis);
  await form.getByLabel(f.department, { exact: true }).selectOption(d.department);
  await form.getByLabel(f.currentTreatment, { exact: true }).fill('化疗（顺铂 + 培美曲塞），已完成 2 个周期');
  await form.getByLabel(s.questions, { exact: true }).fill(d.questions);
  await form.getByLabel(dateN(1), { exact: true }).fill(daysFromNow(14));
  await form.getByLabel(f.dateNote, { exact: true }).first().fill('北京时间下午');
  await form.getByLabel(dateN(2), { exact: true }).fill(daysFromNow(15));
  if (consent) await form.getByLabel(s.consentAccept, { exact: true }).check();
  await form.getByLabel(s.consentBy, { exact: true }).fill(d.acceptedBy);
}

/** Cases whose number or patient name matches, as the administrator sees them. */
export async function findCases(admin: AdminApi, q: string) {
  return admin.call<{ total: number; items: { id: string; number: string }[] }>('GET', `/cases?q=${encodeURIComponent(q)}`);
}

export interface ApiCase {
  id: string;
  number: string;
  portalUrl: string;
  /** The guest link token (the address fragment of portalUrl). */
  token: string;
  data: RequestData;
}

/** Staff may request on a patient's behalf (no public rate limit), naming the partner institution it came through; the answer carries the portal link. */
export async function caseThroughApi(admin: AdminApi, { institutionId }: { institutionId?: string } = {}): Promise<ApiCase> {
  const d = familyRequest();
  const consent = await admin.call<{ id: string }>('GET', '/consent/current?locale=zh-CN');
  const created = await admin.call<{ id: string; number: string; portalUrl: string }>('POST', '/cases', {
    submissionId: randomUUID(),
    ...(institutionId ? { institutionId } : {}),
    requester: { type: 'family', name: d.requesterName, email: d.email, phone: d.phone },
    patient: { nameNative: d.nameNative, nameLatin: d.nameLatin, birthDate: d.birthDate, sex: 'male', nationality: 'CN', country: 'CN', city: d.city, preferredLocale: 'zh-CN', timeZone: 'Asia/Shanghai' },
    medical: { diagnosis: d.diagnosis, department: d.department, questions: d.questions },
    consent: { versionId: consent.id, accepted: true, acceptedBy: d.acceptedBy },
  });
  return { ...created, token: created.portalUrl.split('#')[1], data: d };
}

/** Screened, ready to schedule, with this team: what a coordinator does before offering times. */
export async function readyToSchedule(admin: AdminApi, caseId: string, members: { userId: string; role: string }[]) {
  await admin.call('POST', `/cases/${caseId}/screening`, { eligibility: 'eligible', reason: '', rules: {} });
  await admin.call('PUT', `/cases/${caseId}/team`, { members });
  await admin.call('POST', `/cases/${caseId}/status`, { to: 'ready_to_schedule', note: '' });
}

/** A calendar day in the hospital's zone (Asia/Tokyo), `days` from today, as YYYY-MM-DD. */
export function tokyoDay(days: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + days * 86_400_000));
}

/** Wall time in Tokyo (no daylight saving: always +09:00) as an ISO instant. */
export function tokyoInstant(day: string, time: string): string {
  return new Date(`${day}T${time}:00+09:00`).toISOString();
}

export interface Schedule {
  offers: { id: string; startsAt: string; endsAt: string; status: 'offered' | 'booked' | 'withdrawn' }[];
  visit: { id: string; startsAt: string; endsAt: string; provider: string; joinUrl: string; sequence: number } | null;
}

/** A call as the patient side: the guest link as Bearer, no cookies. */
export async function guestCall<T>(token: string, method: 'GET' | 'POST', path: string, data?: unknown, locale = 'zh-CN'): Promise<{ status: number; body: T }> {
  const ctx = await request.newContext({ baseURL: baseURL(), storageState: { cookies: [], origins: [] } });
  try {
    const res = await ctx.fetch(`/api/v1${path}`, { method, data, headers: { Authorization: `Bearer ${token}`, 'Accept-Language': locale } });
    return { status: res.status(), body: (await res.json()) as T };
  } finally {
    await ctx.dispose();
  }
}

/**
 * The patient sends a folder (a CD) from the portal of `c` (zh-CN, a context of their own) and it is
 * all kept: resolves when `files` of the case's files are stored or held (held: the images name
 * another patient than the case's, for the coordinator's review).
 */
export async function sendFolderThroughPortal(browser: Browser, admin: AdminApi, c: ApiCase, dir: string, files: number, timeout = 60_000) {
  const context = await browser.newContext({ locale: 'zh-CN', storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto(`/portal#${c.token}`);
  await page.getByTestId('portal-send').getByTestId('choose-folder').setInputFiles(dir);
  await expect
    .poll(async () => (await admin.call<{ items: { status: string }[] }>('GET', `/cases/${c.id}/files`)).items.filter((f) => f.status === 'stored' || f.status === 'held').length, { timeout })
    .toBe(files);
  await context.close();
}
