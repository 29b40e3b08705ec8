import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { useTestApp } from '../../test/helpers.ts';

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
});
