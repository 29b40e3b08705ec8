import { describe, expect, it } from 'vitest';
import { PROBE_MAX_BYTES } from '@kakehashi/core';
import { useTestApp } from '../../test/helpers.ts';
import { PROBES_PER_WINDOW } from './probe.ts';

const t = useTestApp();
let address = 0;
/** Each test its own client address: the probes are counted per address. */
const from = () => `203.0.113.${++address}`;

describe('the connection speed probes (device check)', () => {
  it('sends the bytes asked for, random, uncompressed and not cached', async () => {
    const ip = from();
    const res = await t.app.inject({ url: '/api/v1/connection/download?bytes=100000', remoteAddress: ip, headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.rawPayload.length).toBe(100_000);
    // Random: no byte value dominates (a compressible body would be mostly one value).
    const counts = new Map<number, number>();
    for (const b of res.rawPayload) counts.set(b, (counts.get(b) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThan(1_000);
  });

  it('refuses sizes out of range or not numbers with a translated 400', async () => {
    for (const bytes of ['0', String(PROBE_MAX_BYTES + 1), 'abc', '1e9', '%00']) {
      const res = await t.app.inject({ url: `/api/v1/connection/download?bytes=${bytes}`, remoteAddress: from(), headers: { 'accept-language': 'zh-CN' } });
      expect(res.statusCode, bytes).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });

  it('accepts and counts uploaded bytes up to the cap, and refuses more with 413', async () => {
    const ip = from();
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/connection/upload', remoteAddress: ip, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(300_000, 7) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ bytes: 300_000 });
    const big = await t.app.inject({ method: 'POST', url: '/api/v1/connection/upload', remoteAddress: ip, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(PROBE_MAX_BYTES + 1) });
    expect(big.statusCode).toBe(413);
  });

  it('limits how many probes one address makes, for downloads and uploads together', async () => {
    const ip = from();
    const results = await Promise.all(
      Array.from({ length: PROBES_PER_WINDOW + 5 }, (_, i) =>
        i % 2
          ? t.app.inject({ url: '/api/v1/connection/download?bytes=10', remoteAddress: ip })
          : t.app.inject({ method: 'POST', url: '/api/v1/connection/upload', remoteAddress: ip, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(10) }),
      ),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(PROBES_PER_WINDOW);
    expect(codes.filter((c) => c === 429)).toHaveLength(5);
    const refused = results.find((r) => r.statusCode === 429)!;
    expect(refused.json().error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await t.app.inject({ url: '/api/v1/connection/download?bytes=10', remoteAddress: from() })).statusCode).toBe(200);
  });
});
