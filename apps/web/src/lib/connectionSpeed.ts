import { PROBE_MAX_BYTES } from '@kakehashi/core';
import * as CONTRACTS from '@kakehashi/core/contracts';

/**
 * The device check's speed test: how fast data moves between this device and the hospital, both
 * ways, measured on the hospital's own server (the probes in apps/server/src/health/probe.ts).
 * Transfers grow (64 KB, 256 KB, 1 MB, 2 MB) while each is quick, so a slow link is measured in a
 * few seconds and a fast one with a transfer big enough to be timed well. The figure is the largest
 * transfer's size over its whole time, request latency included: what a call would feel.
 */

export interface Speed {
  downMbps: number;
  upMbps: number;
  /** The median time a small request takes to come back. */
  rttMs: number;
}

/** What the connection allows: a full video visit, video at lower quality, or sound only. */
export type Verdict = 'good' | 'reduced' | 'audio';

/** What a video visit needs (Mbit/s), and the answer time above which it stutters. */
export const VIDEO_NEEDS = { good: { down: 1.5, up: 1 }, reduced: { down: 0.6, up: 0.6 }, slowRttMs: 800 } as const;

export function verdictOf(s: Speed): Verdict {
  const { good, reduced, slowRttMs } = VIDEO_NEEDS;
  if (s.downMbps >= good.down && s.upMbps >= good.up && s.rttMs <= slowRttMs) return 'good';
  if (s.downMbps >= reduced.down && s.upMbps >= reduced.up) return 'reduced';
  return 'audio';
}

const DOWNLOAD_SIZES = [64_000, 256_000, 1_000_000, PROBE_MAX_BYTES];
const UPLOAD_SIZES = [64_000, 256_000, 1_000_000];
/** Go on to the next size only while a transfer takes less than this. */
const NEXT_IF_UNDER_MS = 1_500;
const PINGS = 5;

/** A refusal from the server (rate limit), with its translated message. */
export class ProbeRefused extends Error {}

async function refusal(res: Response): Promise<never> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  throw new ProbeRefused(body?.error?.message ?? res.statusText);
}

const mbps = (bytes: number, ms: number) => Math.round(((bytes * 8) / (ms / 1000) / 1_000_000) * 10) / 10;

function randomBody(size: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(size);
  // getRandomValues fills at most 65,536 bytes at a time.
  for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(data.subarray(i, Math.min(size, i + 65_536)));
  return data;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function progressive(sizes: number[], transfer: (size: number) => Promise<void>, cancelled: () => boolean): Promise<number> {
  let result = 0;
  for (const size of sizes) {
    const ms = await timed(() => transfer(size));
    if (cancelled()) return result;
    result = mbps(size, ms);
    if (ms >= NEXT_IF_UNDER_MS) break;
  }
  return result;
}

/** Measures answer time, download and upload; throws ProbeRefused or a network error. */
export async function measureSpeed(cancelled: () => boolean = () => false): Promise<Speed> {
  const times: number[] = [];
  for (let i = 0; i < PINGS && !cancelled(); i++) {
    times.push(
      await timed(async () => {
        const res = await fetch(`/api/v1${CONTRACTS.health.path}?check=${Date.now()}-${i}`, { cache: 'no-store', credentials: 'omit' });
        await res.text();
      }),
    );
  }
  // The first answer also pays for opening the connection: the median is what a call feels.
  const rttMs = Math.round([...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0);
  const downMbps = await progressive(
    DOWNLOAD_SIZES,
    async (size) => {
      const res = await fetch(`/api/v1${CONTRACTS.probeDownload.path}?bytes=${size}&t=${Date.now()}`, { cache: 'no-store', credentials: 'omit' });
      if (!res.ok) await refusal(res);
      await res.arrayBuffer();
    },
    cancelled,
  );
  const upMbps = await progressive(
    UPLOAD_SIZES,
    async (size) => {
      const res = await fetch(`/api/v1${CONTRACTS.probeUpload.path}`, {
        method: CONTRACTS.probeUpload.method,
        headers: { 'Content-Type': 'application/octet-stream' },
        body: randomBody(size),
        credentials: 'omit',
      });
      if (!res.ok) await refusal(res);
      await res.text();
    },
    cancelled,
  );
  return { downMbps, upMbps, rttMs };
}
