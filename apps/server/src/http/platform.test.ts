import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers.ts';

const t = useTestApp();

describe('HTTP platform', () => {
  it('reports health with the database and version', async () => {
    const res = await t.app.inject({ url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', db: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('publishes OpenAPI 3.1 generated from the shared schemas, and interactive docs', async () => {
    const doc = (await t.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/health', '/api/v1/me', '/api/v1/auth/sign-in', '/api/v1/users', '/api/v1/audit']));
    expect(doc.components.schemas).toHaveProperty('User');
    expect(doc.components.schemas).toHaveProperty('Error');
    const docs = await t.app.inject({ url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger-ui');
  });

  it('sends security headers and a CSP without inline scripts', async () => {
    const res = await t.app.inject({ url: '/api/v1/health' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('answers malformed bodies with 400, oversized ones with 413, never 500', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { 'content-type': 'application/json', 'accept-language': 'en' }, payload: '{"email":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const huge = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'a@example.org', password: 'x'.repeat(2_000_000) }) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
    const xml = await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { 'content-type': 'application/xml' }, payload: '<x/>' });
    expect(xml.statusCode).toBe(415);
  });

  it('serves the web app: files as they are now, deep links as the app, missing assets as 404', async () => {
    const index = await t.app.inject({ url: '/admin/users?page=2' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.body).toContain('<div id="root">');
    expect((await t.app.inject({ url: '/assets/no-such-file.js' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: '/admin/users' })).statusCode).toBe(404);
  });

  it('answers unknown API paths with the error shape, translated', async () => {
    const res = await t.app.inject({ url: '/api/v1/nothing-here', headers: { 'accept-language': 'ja' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: '見つかりません。' } });
  });

  it('writes nothing to the audit log for anonymous noise, however much of it comes', async () => {
    const count = async () => (await t.app.services.audit.search({ page: 1, pageSize: 1 })).total;
    const before = await count();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => t.app.inject({ url: i % 2 ? '/assets/..%5cx' : '/api/v1/users' })),
    );
    expect(new Set(answers.map((r) => r.statusCode))).not.toContain(500);
    expect(await count()).toBe(before);
  });
});
