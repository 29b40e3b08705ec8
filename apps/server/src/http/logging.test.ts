import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { sql } from 'drizzle-orm';
import { adminClient, buildCaseRequest, useTestApp } from '../../test/helpers.ts';

const t = useTestApp();
let app: FastifyInstance;
let logs = '';

beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (d) => (logs += d));
  app = await buildApp({ config: { ...t.config, logLevel: 'trace' }, db: t.db, worker: false, logStream: stream });
});
afterAll(() => app.close());

describe('logs', () => {
  it('keep out passwords, cookies, tokens and personal data', async () => {
    const secretPassword = 'a very secret passphrase 9f3k';
    await app.services.users.create(null, { email: 'logged@example.org', name: 'Patient 王 Logged', role: 'nurse', institutionId: null, locale: null, password: secretPassword });
    const signIn = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'logged@example.org', password: secretPassword } });
    const cookie = signIn.cookies.find((c) => c.name === 'kh_session')!.value;
    await app.inject({ url: '/api/v1/me', headers: { cookie: `kh_session=${cookie}` } });
    await app.inject({ url: '/reset-password?token=reset-token-value-123', headers: { authorization: 'Bearer kh_supersecrettokenvalue' } });
    await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'logged@example.org', password: 'wrong guess xyz' } });

    expect(logs).toContain('"url":"/api/v1/me"');
    for (const secret of [secretPassword, cookie, 'reset-token-value-123', 'kh_supersecrettokenvalue', 'wrong guess xyz', 'Patient 王 Logged', 'logged@example.org']) {
      expect(logs).not.toContain(secret);
    }
  });

  it('of a failed query keep the error class, SQLSTATE and constraint but none of the values', async () => {
    const admin = await adminClient(t);
    const consentId = (await admin.post('/api/v1/consent', { locale: 'zh-CN', body: '同意书（测试）' })).body.id;
    // A check no row can pass: the insert fails in PostgreSQL itself, whose error quotes the row.
    await t.db.execute(sql`alter table cases add constraint logging_test_reject check (false) not valid`);
    const patient = { nameNative: '王 日志测试', nameLatin: 'WANG Logtest', birthDate: '1957-11-23', sex: 'male', nationality: 'CN', country: 'CN', city: 'Hangzhou', preferredLocale: 'zh-CN', timeZone: 'Asia/Shanghai' };
    const body = buildCaseRequest(
      {
        requester: { type: 'patient', name: 'Patient 王 Logtest', email: 'wang.logtest@example.org', phone: '+86 571 5555 0199' },
        patient,
        medical: { diagnosis: 'Hepatocellular carcinoma logtest', department: 'thoracic_medical', questions: 'Is transplant an option? logtest' },
      },
      consentId,
    );
    logs = '';
    const res = await app.inject({ method: 'POST', url: '/api/v1/cases', payload: body, remoteAddress: '10.77.0.1' });
    await t.db.execute(sql`alter table cases drop constraint logging_test_reject`);

    expect(res.statusCode).toBe(500);
    const failure = logs.split('\n').find((line) => line.includes('request failed'))!;
    expect(failure).toBeDefined();
    const { err } = JSON.parse(failure);
    expect(err).toMatchObject({ type: 'DrizzleQueryError', cause: { type: 'DatabaseError', code: '23514', constraint: 'logging_test_reject', table: 'cases' } });
    expect(err.stack).toContain('DrizzleQueryError');
    expect(logs).not.toContain('Failing row');
    for (const secret of ['王 日志测试', 'WANG Logtest', '1957-11-23', 'Patient 王 Logtest', 'wang.logtest@example.org', '5555 0199', 'Hangzhou', 'Hepatocellular', 'transplant', body.submissionId]) {
      expect(logs).not.toContain(secret);
    }
  });
});
