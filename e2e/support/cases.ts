import { randomUUID } from 'node:crypto';
import { expect, type Page } from '@playwright/test';
import type { Catalog } from './ui.ts';
import type { AdminApi } from './api.ts';

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

/** Fills the public request form as a family member; consent ticked only when asked. */
export async function fillRequestForm(page: Page, c: Catalog, d: RequestData, { consent = true } = {}) {
  const form = page.getByTestId('request-form');
  await expect(form).toBeVisible();
  const f = c.caseRequest;
  await form.getByRole('radio', { name: c.cases.requesterTypes.family }).check();
  await form.getByLabel(f.requesterName, { exact: true }).fill(d.requesterName);
  await form.getByLabel(f.email, { exact: true }).fill(d.email);
  await form.getByLabel(f.phone, { exact: true }).fill(d.phone);
  await form.getByLabel(f.wechatId, { exact: true }).fill(d.wechatId);
  await form.getByLabel(f.nameNative, { exact: true }).fill(d.nameNative);
  await form.getByLabel(f.nameLatin, { exact: true }).fill(d.nameLatin);
  await form.getByLabel(f.birthDate, { exact: true }).fill(d.birthDate);
  await form.getByLabel(f.sex, { exact: true }).selectOption('male');
  await form.getByLabel(f.nationality, { exact: true }).selectOption('CN');
  await form.getByLabel(f.country, { exact: true }).selectOption('CN');
  await form.getByLabel(f.city, { exact: true }).fill(d.city);
  await form.getByLabel(f.diagnosis, { exact: true }).fill(d.diagnosis);
  await form.getByLabel(f.department, { exact: true }).selectOption(d.department);
  await form.getByLabel(f.currentTreatment, { exact: true }).fill('化疗（顺铂 + 培美曲塞），已完成 2 个周期');
  await form.getByLabel(f.questions, { exact: true }).fill(d.questions);
  await form.getByLabel(f.dateN.replace('{{n}}', '1'), { exact: true }).fill(daysFromNow(14));
  await form.getByLabel(f.dateNote, { exact: true }).first().fill('北京时间下午');
  await form.getByLabel(f.dateN.replace('{{n}}', '2'), { exact: true }).fill(daysFromNow(15));
  if (consent) await form.getByLabel(f.consentAccept, { exact: true }).check();
  await form.getByLabel(f.consentBy, { exact: true }).fill(d.acceptedBy);
}

/** Cases whose number or patient name matches, as the administrator sees them. */
export async function findCases(admin: AdminApi, q: string) {
  return admin.call<{ total: number; items: { id: string; number: string }[] }>('GET', `/cases?q=${encodeURIComponent(q)}`);
}
