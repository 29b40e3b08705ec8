import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.ts';
import { adminClient, buildCaseRequest, buildHospitalSettings, Client, sendOutbox, useTestApp } from '../../test/helpers.ts';
import { startSmtp } from '../../test/smtp.ts';

const t = useTestApp();
let admin: Awaited<ReturnType<typeof adminClient>>;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let consentId = '';

beforeAll(async () => {
  smtp = await startSmtp();
  admin = await adminClient(t, { 'accept-language': 'en' });
  consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
});
afterAll(() => smtp?.close());

const anonymous = (url: string) => t.app.inject({ url });
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const SVG = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>';
const logoBody = (contentType: string, bytes: Buffer | string) => ({ logo: { contentType, data: Buffer.from(bytes).toString('base64') } });

/** The received message parsed by Python's e-mail package in strict mode: headers as a reader sees them, and the text. */
function parseMail(raw: string) {
  const script = `
import email, email.policy, json, sys
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
frm = m['From'].addresses[0]
rt = m['Reply-To']
body = m.get_body(preferencelist=('plain',))
print(json.dumps({'fromName': frm.display_name, 'fromAddress': frm.addr_spec, 'replyTo': rt.addresses[0].addr_spec if rt else None, 'subject': str(m['Subject']), 'text': body.get_content(), 'defects': [str(d) for p in m.walk() for d in p.defects]}))
`;
  const out = spawnSync('python3', ['-c', script], { input: raw, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as { fromName: string; fromAddress: string; replyTo: string | null; subject: string; text: string; defects: string[] };
}

describe('the hospital’s identity', () => {
  it('is empty before an administrator sets it, and anyone may read it', async () => {
    const res = await anonymous('/api/v1/hospital');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: { ja: '', 'zh-CN': '', en: '' }, replyTo: '', logoUrl: null, viewerCopyNotice: true });
    expect((await anonymous('/api/v1/hospital/logo')).statusCode).toBe(404);
  });

  it('is set by an administrator (audited) and read back by anyone; others may not change it', async () => {
    const res = await admin.put('/api/v1/settings/hospital', buildHospitalSettings());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: { 'zh-CN': '测试医疗中心' }, contact: { phone: '+81-3-0000-0000' }, replyTo: 'replies@example.org' });
    expect((await anonymous('/api/v1/hospital')).json()).toEqual(res.body);
    const [event] = rowsOf<{ details: Record<string, unknown>; outcome: string }>(
      await t.db.execute(sql`select details, outcome from audit_events where action = 'settings.edit' order by id desc limit 1`),
    );
    expect(event).toEqual({ details: { setting: 'hospital', change: 'update' }, outcome: 'allowed' });

    const coordinator = await t.user({ role: 'coordinator' });
    const c = new Client(t.app);
    await c.signIn(coordinator.email);
    expect((await c.put('/api/v1/settings/hospital', buildHospitalSettings())).status).toBe(403);
    expect((await t.app.inject({ method: 'PUT', url: '/api/v1/settings/hospital', payload: buildHospitalSettings() })).statusCode).toBe(401);
  });

  it('says in the image viewer that the images are the patient’s copy unless the hospital turns that off', async () => {
    expect((await admin.put('/api/v1/settings/hospital', buildHospitalSettings())).body.viewerCopyNotice).toBe(true);
    expect((await admin.put('/api/v1/settings/hospital', buildHospitalSettings({ viewerCopyNotice: false }))).body.viewerCopyNotice).toBe(false);
    expect((await anonymous('/api/v1/hospital')).json().viewerCopyNotice).toBe(false);
    expect((await admin.put('/api/v1/settings/hospital', buildHospitalSettings({ viewerCopyNotice: true }))).body.viewerCopyNotice).toBe(true);
    expect((await anonymous('/api/v1/hospital')).json().viewerCopyNotice).toBe(true);
  });

  it('refuses bad input with a translated 400', async () => {
    const base = buildHospitalSettings();
    const cases: [unknown, string][] = [
      [{ ...base, replyTo: 'not an address' }, 'replyTo'],
      [{ ...base, contact: { ...base.contact, email: 'desk@' } }, 'contact.email'],
      [{ ...base, contact: { ...base.contact, phone: '+81 3 <script>' } }, 'contact.phone'],
      [{ ...base, name: { ...base.name, ja: '  ' } }, 'name.ja'],
      [{ ...base, name: { ...base.name, en: 'Test\u0000Hospital' } }, 'name.en'],
      [{ ...base, paymentInstructions: { ...base.paymentInstructions, 'zh-CN': 'half \ud83d emoji' } }, 'paymentInstructions.zh-CN'],
      [{ ...base, expectations: { ...base.expectations, fee: { ...base.expectations.fee, en: 'x'.repeat(1001) } } }, 'expectations.fee.en'],
    ];
    for (const [body, path] of cases) {
      const res = await admin.put('/api/v1/settings/hospital', body, { 'accept-language': 'ja' });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path), path).toContain(path);
    }
    const phone = await admin.put('/api/v1/settings/hospital', { ...base, contact: { ...base.contact, fax: 'call us' } }, { 'accept-language': 'zh-CN' });
    expect(phone.body.error.details[0].message).toBe('只能输入数字、空格和 + - ( )，例如 +81-3-0000-0000。');
  });

  it('takes a PNG or SVG logo and serves it so that it can never run a script', async () => {
    const png = await admin.put('/api/v1/settings/hospital/logo', logoBody('image/png', PNG));
    expect(png.status).toBe(200);
    expect(png.body.logoUrl).toMatch(/^\/api\/v1\/hospital\/logo\?v=\d+$/);
    const served = await anonymous(png.body.logoUrl);
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(PNG)).toBe(true);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['cache-control']).toContain('immutable');

    const svg = await admin.put('/api/v1/settings/hospital/logo', logoBody('image/svg+xml', SVG));
    expect(svg.status).toBe(200);
    const servedSvg = await anonymous(svg.body.logoUrl);
    expect(servedSvg.body).toBe(SVG);
    expect(servedSvg.headers['content-type']).toBe('image/svg+xml');
    expect(servedSvg.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
    expect(servedSvg.headers['x-content-type-options']).toBe('nosniff');

    const removed = await admin.put('/api/v1/settings/hospital/logo', { logo: null });
    expect(removed.body.logoUrl).toBeNull();
    expect((await anonymous('/api/v1/hospital/logo')).statusCode).toBe(404);
    // The texts stayed.
    expect(removed.body.name.en).toBe('Test Medical Center');
  });

  it('refuses a logo that is too large, of another type, or not what it claims to be', async () => {
    const refused: [unknown, number, string][] = [
      [logoBody('image/png', Buffer.concat([PNG, Buffer.alloc(200 * 1024)])), 400, 'validation_failed'],
      [logoBody('image/gif', Buffer.from('GIF89a')), 400, 'validation_failed'],
      [logoBody('image/png', Buffer.from(SVG)), 400, 'logo_invalid'],
      [logoBody('image/svg+xml', PNG), 400, 'logo_invalid'],
      [logoBody('image/svg+xml', '<html><script>alert(1)</script></html>'), 400, 'logo_invalid'],
      [logoBody('image/svg+xml', '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>'), 400, 'logo_invalid'],
      [{ logo: { contentType: 'image/png', data: 'not base64!' } }, 400, 'validation_failed'],
      [{ logo: { contentType: 'image/png', data: '' } }, 400, 'logo_invalid'],
    ];
    for (const [body, status, code] of refused) {
      const res = await admin.put('/api/v1/settings/hospital/logo', body, { 'accept-language': 'ja' });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    const bad = await admin.put('/api/v1/settings/hospital/logo', logoBody('image/png', Buffer.from('GIF89a')), { 'accept-language': 'ja' });
    expect(bad.body.error.message).toBe('200 KB 以下の PNG または SVG 画像を選択してください。');
  });
});

describe('e-mails come from the hospital', () => {
  it('sends with the hospital’s name in the reader’s language, its reply-to address and its contact window', async () => {
    await admin.put('/api/v1/settings/hospital', buildHospitalSettings());
    const email = 'family.identity@example.org';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      payload: buildCaseRequest({ requester: { ...buildCaseRequest().requester, email } }, consentId),
      remoteAddress: '10.9.8.7',
    });
    expect(res.statusCode).toBe(201);
    await sendOutbox(t, smtp.url);
    const raw = smtp.received.find((m) => m.to === email)!.raw;
    const mail = parseMail(raw);
    expect(mail.defects).toEqual([]);
    expect(mail.fromName).toBe('测试医疗中心');
    // The envelope address stays the environment's.
    expect(mail.fromAddress).toBe('no-reply@example.org');
    expect(mail.replyTo).toBe('replies@example.org');
    expect(mail.subject).toBe(`测试医疗中心：我们已收到您的申请 ${res.json().number}`);
    expect(mail.text).toContain('测试医疗中心 国际医疗部\n邮箱：desk@example.org\n电话：+81-3-0000-0000\n传真：+81-3-0000-0001\n办公时间：工作日 9:00–17:00（日本时间）\n您可以直接回复此邮件。');
  });

  it('without a reply-to address, sends none and asks the reader to use the contact window', async () => {
    await admin.put('/api/v1/settings/hospital', buildHospitalSettings({ replyTo: '' }));
    const user = await t.user({ locale: 'ja', name: 'Nurse 山田 Test' });
    expect((await new Client(t.app).post('/api/v1/auth/password-reset', { email: user.email })).status).toBe(202);
    await sendOutbox(t, smtp.url);
    const mail = parseMail(smtp.received.find((m) => m.to === user.email)!.raw);
    expect(mail.fromName).toBe('テスト医療センター');
    expect(mail.replyTo).toBeNull();
    expect(mail.subject).toBe('テスト医療センター：パスワード再設定のご案内');
    expect(mail.text).toContain('このメールは自動送信されています。');
  });
});

describe('the quote on the portal', () => {
  it('shows the patient the fee, what it covers in their language, and the payment status', async () => {
    const schedule = await admin.post('/api/v1/settings/fee-schedules', {
      name: { ja: '遠隔相談 60分（テスト）', 'zh-CN': '远程会诊 60 分钟（测试）', en: 'Remote opinion, 60 minutes (test)' },
      minutes: 60,
      amount: 110000,
      currency: 'JPY',
      interpreterIncluded: true,
    });
    const created = (
      await t.app.inject({ method: 'POST', url: '/api/v1/cases', payload: buildCaseRequest({}, consentId), remoteAddress: '10.9.8.8' })
    ).json();
    const token = created.portalUrl.split('#')[1];
    const portal = async () =>
      (await t.app.inject({ url: '/api/v1/portal/case', headers: { authorization: `Bearer ${token}`, 'accept-language': 'zh-CN' } })).json().fee;
    expect(await portal()).toEqual({ scheduleId: null, amount: null, currency: null, paymentStatus: 'none', schedule: null });

    await admin.put(`/api/v1/cases/${created.id}/fee`, { scheduleId: schedule.body.id, amount: null, currency: null, paymentStatus: 'invoiced' });
    expect(await portal()).toEqual({
      scheduleId: schedule.body.id,
      amount: 110000,
      currency: 'JPY',
      paymentStatus: 'invoiced',
      schedule: { name: '远程会诊 60 分钟（测试）', minutes: 60, interpreterIncluded: true },
    });
  });
});
