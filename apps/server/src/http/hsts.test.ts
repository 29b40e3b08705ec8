import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers.ts';

const t = useTestApp({ TRUST_PROXY: 'true' });

describe('behind an HTTPS reverse proxy', () => {
  it('sends HSTS and marks the session cookie Secure; plain HTTP gets neither', async () => {
    const user = await t.user();
    const sign = (proto: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { 'x-forwarded-proto': proto }, payload: { email: user.email, password: 'correct horse battery staple' } });
    const https = await sign('https');
    expect(https.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(https.cookies.find((c) => c.name === 'kh_session')!.secure).toBe(true);
    const http = await sign('http');
    expect(http.headers['strict-transport-security']).toBeUndefined();
  });
});
