import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers.ts';
import { PAGE_DATA_ID, renderIndex } from './shell.ts';
import { verificationUrl } from '../reports/verification.ts';

/** A small build, shaped like apps/web/dist: index.html, a hashed asset with its .br/.gz, the preload map. */
function fakeDist(): string {
  const dist = mkdtempSync(path.join(tmpdir(), 'kh-web-'));
  mkdirSync(path.join(dist, 'assets'));
  mkdirSync(path.join(dist, '.vite'));
  writeFileSync(
    path.join(dist, 'index.html'),
    '<!doctype html>\n<html lang="ja">\n<head><title>Kakehashi</title><script type="module" crossorigin src="/assets/index-abc.js"></script></head>\n<body><div id="root"></div></body></html>\n',
  );
  const js = `console.log(${JSON.stringify('x'.repeat(5000))});`;
  writeFileSync(path.join(dist, 'assets/index-abc.js'), js);
  writeFileSync(path.join(dist, 'assets/index-abc.js.br'), brotliCompressSync(js));
  writeFileSync(path.join(dist, 'assets/index-abc.js.gz'), gzipSync(js));
  writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(
    path.join(dist, '.vite/kakehashi-preload.json'),
    JSON.stringify({
      pages: { '/request': ['/assets/Request-1.js'], '/send': ['/assets/Send-1.js'] },
      catalogs: {
        ja: { request: '/assets/cat-ja.js', portal: '/assets/portal-ja.js' },
        'zh-CN': { request: '/assets/cat-zh.js', portal: '/assets/portal-zh.js' },
        en: { request: '/assets/cat-en.js', portal: '/assets/portal-en.js' },
      },
      catalogParts: { '/request': ['request'], '/send': ['request', 'portal'] },
      pageCatalogs: { '/send': { ja: '/assets/send-ja.js', 'zh-CN': '/assets/send-zh.js', en: '/assets/send-en.js' } },
      viewer: { files: ['/assets/App-1.js', '/assets/Viewer-1.js'], catalogs: { ja: '/assets/staff-ja.js', 'zh-CN': '/assets/staff-zh.js', en: '/assets/staff-en.js' } },
    }),
  );
  return dist;
}

const t = useTestApp({}, { webDist: fakeDist(), hospital: async () => ({ name: 'Example <Hospital>', email: 'care@example.org', phone: '+81 3-0000-0000' }) });

describe('the web app, as served', () => {
  it('sends hashed assets precompressed (brotli, else gzip) and cached as immutable for a year', async () => {
    const br = await t.app.inject({ url: '/assets/index-abc.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // Never revalidated: no validators to send.
    expect(br.headers.etag).toBeUndefined();
    expect(br.headers['last-modified']).toBeUndefined();
    expect(brotliDecompressSync(br.rawPayload).toString()).toContain('xxxx');
    const gz = await t.app.inject({ url: '/assets/index-abc.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toContain('xxxx');
    const plain = await t.app.inject({ url: '/assets/index-abc.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('xxxx');
  });

  it('keeps files without a hash for minutes only and refuses to serve the build manifest', async () => {
    const icon = await t.app.inject({ url: '/favicon.svg' });
    expect(icon.headers['cache-control']).toBe('public, max-age=300');
    const manifest = await t.app.inject({ url: '/.vite/kakehashi-preload.json' });
    expect(manifest.body).not.toContain('catalogs');
    const missing = await t.app.inject({ url: '/assets/missing-123.js' });
    expect(missing.statusCode).toBe(404);
  });

  it('renders each page in the language asked for, with a shell, a noscript message and preloads', async () => {
    const res = await t.app.inject({ url: '/request', headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<html lang="zh-CN" data-locale="zh-CN"');
    // The hospital's name is escaped; the loading line comes in the page's language first, then the others.
    expect(res.body).toContain('Example &lt;Hospital&gt;');
    expect(res.body).not.toContain('<Hospital>');
    expect(res.body.indexOf('正在加载')).toBeLessThan(res.body.indexOf('読み込み中'));
    expect(res.body).toContain('Loading…');
    expect(res.body).toMatch(/<noscript>.*此页面需要启用 JavaScript.*mailto:care@example.org.*tel:\+81300000000/s);
    expect(res.body).toContain('<link rel="modulepreload" crossorigin href="/assets/Request-1.js">');
    expect(res.body).toContain('href="/assets/cat-zh.js"');
    expect(res.body).not.toContain('cat-ja.js');
    // The CSP still forbids inline code: the shell carries none.
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(res.body).not.toMatch(/<script>|<style>| style="| on\w+="/);
  });

  it('writes the API answers a patient page reads at once into the page, as the API gives them', async () => {
    const headers = { 'accept-language': 'zh-CN' };
    const block = (html: string) => html.match(new RegExp(`<script type="application/json" id="${PAGE_DATA_ID}">([^<]*)</script>`))?.[1];
    const request = await t.app.inject({ url: '/request', headers });
    const data = JSON.parse(block(request.body)!);
    expect(data.locale).toBe('zh-CN');
    for (const [name, url] of [['hospital', '/api/v1/hospital'], ['departments', '/api/v1/departments'], ['consent', '/api/v1/consent/current?locale=zh-CN']]) {
      const api = await t.app.inject({ url, headers });
      if (api.statusCode === 200) expect(data[name], name).toEqual(api.json());
      else expect(data[name], name).toBeUndefined();
    }
    // The data answers no fetch: nothing is fetched twice.
    expect(request.body).not.toContain('as="fetch"');
    const portal = JSON.parse(block((await t.app.inject({ url: '/portal', headers })).body)!);
    expect(Object.keys(portal).sort()).toEqual(['hospital', 'locale']);
    // Staff pages carry none: they read what the signed-in user may see.
    expect(block((await t.app.inject({ url: '/sign-in', headers })).body)).toBeUndefined();
  });

  it('keeps the data block closed and the page intact whatever text the data holds', () => {
    const nasty = '</script><script>alert(1)</script><!-- $& $` \u2028 & "';
    const html = renderIndex('<html lang="ja"><head><title>x</title></head><body><div id="root"></div></body></html>', {
      locale: 'en',
      pathname: '/request',
      hospital: { name: `Hospital ${nasty}`, email: null, phone: null },
      preload: null,
      data: { locale: 'en', hospital: { name: nasty } },
    });
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('<!--');
    const json = html.match(/<script type="application\/json" id="kakehashi-data">([^<]*)<\/script>/)![1];
    expect(JSON.parse(json).hospital.name).toBe(nasty);
    // `$&` is text in the title, not a replacement pattern.
    expect(html).toContain('<title>Hospital &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- $&amp; $` \u2028 &amp; &quot;</title>');
  });

  it('serves the web app at the verification address a signed report prints (its footer link and QR code), the API beside it', async () => {
    const printed = new URL(verificationUrl('https://example.org/', '7KQ2-M9XD-4HCW-TR3B'));
    for (const url of [printed.pathname, '/verify']) {
      const page = await t.app.inject({ url, headers: { 'accept-language': 'zh-CN' } });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('<html lang="zh-CN"');
    }
    const api = await t.app.inject({ url: `/api/v1${printed.pathname}`, headers: { 'accept-language': 'en' } });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('verification_code_unknown');
  });

  it('prefers the language the user picked (cookie) over Accept-Language, and ignores a made-up one', async () => {
    const picked = await t.app.inject({ url: '/portal', headers: { 'accept-language': 'ja', cookie: 'kakehashi.locale=en' } });
    expect(picked.body).toContain('<html lang="en"');
    const junk = await t.app.inject({ url: '/', headers: { 'accept-language': 'fr', cookie: 'kakehashi.locale=%3Cscript%3E' } });
    expect(junk.body).toContain('<html lang="ja"');
  });

  it('opens a page in the language its address names (an upload-request link), with that page\'s own catalog', async () => {
    const res = await t.app.inject({ url: '/send?lang=zh-CN', headers: { 'accept-language': 'ja', cookie: 'kakehashi.locale=en' } });
    expect(res.body).toContain('<html lang="zh-CN"');
    for (const file of ['/assets/Send-1.js', '/assets/cat-zh.js', '/assets/portal-zh.js', '/assets/send-zh.js']) expect(res.body).toContain(`<link rel="modulepreload" crossorigin href="${file}">`);
    expect(res.body).not.toContain('send-ja.js');
    // Other pages do not load it; a made-up language in the address is ignored.
    const other = await t.app.inject({ url: '/request?lang=fr', headers: { 'accept-language': 'en' } });
    expect(other.body).toContain('<html lang="en"');
    expect(other.body).not.toContain('send-en.js');
  });

  it('lets the image viewer\'s pages alone (staff\'s and the patient\'s) run WebAssembly and show its drawn cursors; every other page and file keeps the strict policy', async () => {
    const viewer = await t.app.inject({ url: '/cases/5bda394c-dab3-4bad-9605-7c83c6c215af/viewer/1.2.826.0.1.3680043.8.498.1?lang=en' });
    expect(viewer.statusCode).toBe(200);
    // Opened by its address: the console's chunks down to the viewer and the staff catalog load at once, not one after another.
    for (const file of ['/assets/App-1.js', '/assets/Viewer-1.js', '/assets/staff-en.js']) expect(viewer.body).toContain(`<link rel="modulepreload" crossorigin href="${file}">`);
    expect(viewer.body).not.toContain('staff-ja.js');
    expect((await t.app.inject({ url: '/portal/viewer' })).body).not.toContain('Viewer-1.js');
    const csp = String(viewer.headers['content-security-policy']).split(';').map((d) => d.trim());
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("img-src 'self' data: blob:");
    // Only those two directives change.
    const strict = String((await t.app.inject({ url: '/cases/5bda394c-dab3-4bad-9605-7c83c6c215af/records' })).headers['content-security-policy']).split(';').map((d) => d.trim());
    expect(csp.filter((d) => !strict.includes(d))).toHaveLength(2);
    // The patient's viewer, opened from the portal: the same policy as the staff's.
    const patient = await t.app.inject({ url: '/portal/viewer?study=1.2.826.0.1.3680043.8.498.1' });
    expect(patient.statusCode).toBe(200);
    expect(String(patient.headers['content-security-policy']).split(';').map((d) => d.trim())).toEqual(csp);
    for (const url of ['/', '/cases/x/records', '/cases/x/viewer', '/cases/x/viewer/y/z', '/request', '/portal', '/portal/viewer/x', '/portal/viewerx', '/send']) {
      const policy = String((await t.app.inject({ url })).headers['content-security-policy']);
      expect(policy, url).toContain("script-src 'self'");
      expect(policy, url).not.toContain('wasm-unsafe-eval');
      expect(policy, url).not.toContain('blob:');
    }
    // The viewer's scripts (its decoders' workers among them) come as assets, without a policy of their own.
    expect((await t.app.inject({ url: '/assets/index-abc.js' })).headers['content-security-policy']).toBeUndefined();
  });

  it('compresses API answers with brotli or gzip', async () => {
    const res = await t.app.inject({ url: '/api/v1/openapi.json', headers: { 'accept-encoding': 'br' } });
    expect(res.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(res.rawPayload).toString()).openapi).toBe('3.1.0');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
