/**
 * A DICOMweb STOW-RS client (PS3.18 10.5): instances POSTed to `<base>/studies` as one
 * `multipart/related; type="application/dicom"` body, each instance streamed from the encrypted
 * store with its patches (records/dicom.ts `exportPatches`) applied on the way, so nothing is
 * held in memory but a header and a chunk. The body's length is known before it is sent (no chunked
 * upload, which some PACS refuse).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { Patch } from '../records/dicom.ts';

export interface StowInstance {
  sopInstanceUid: string;
  size: number;
  patches: Patch[];
  /** The stored bytes `start..end` (inclusive), decrypted as they are read. */
  open(range: { start: number; end: number }): Promise<Readable>;
}

export interface StowTarget {
  url: string;
  /** The Authorization header, if any. */
  authorization: string | null;
}

/** What the destination said of each instance: stored, refused (with its failure reason), or nothing. */
export interface StowResult {
  stored: Set<string>;
  refused: Map<string, string>;
}

/** A transport failure or an answer that is not a STOW response: the whole request is to be tried again. */
export class StowError extends Error {
  override name = 'StowError';
}

const REFERENCED_SOP_SEQUENCE = '00081199';
const FAILED_SOP_SEQUENCE = '00081198';
const REFERENCED_SOP_INSTANCE_UID = '00081155';
const FAILURE_REASON = '00081197';
const REQUEST_TIMEOUT_MS = 120_000;

const sizeOf = (i: StowInstance) => i.patches.reduce((n, p) => n + p.bytes.length - (p.end - p.start), i.size);

/** One instance's bytes: the stored file between its patches, each patch's bytes in its place. */
async function* instanceBytes(i: StowInstance): AsyncGenerator<Buffer> {
  let at = 0;
  for (const p of [...i.patches, { start: i.size, end: i.size, bytes: Buffer.alloc(0) }]) {
    if (p.start > at) yield* (await i.open({ start: at, end: p.start - 1 })) as AsyncIterable<Buffer>;
    if (p.bytes.length) yield p.bytes;
    at = p.end;
  }
}

/** Sends the instances in one request; throws StowError when the destination cannot be reached or does not answer as a STOW-RS server. */
export async function stow(target: StowTarget, instances: StowInstance[], signal: AbortSignal): Promise<StowResult> {
  const boundary = `kakehashi-${randomBytes(12).toString('hex')}`;
  const heads = instances.map((i) => Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\nContent-Length: ${sizeOf(i)}\r\n\r\n`, 'latin1'));
  const tail = Buffer.from(`--${boundary}--\r\n`, 'latin1');
  const length = instances.reduce((n, i, k) => n + heads[k].length + sizeOf(i) + 2, tail.length);
  const url = new URL(`${target.url}/studies`);
  const request = (url.protocol === 'https:' ? https : http).request(url, {
    method: 'POST',
    signal,
    timeout: REQUEST_TIMEOUT_MS,
    headers: {
      'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
      'content-length': length,
      accept: 'application/dicom+json',
      ...(target.authorization ? { authorization: target.authorization } : {}),
    },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('no answer in time')));
    request.on('error', reject);
  });
  /** Writes with back-pressure; stops once the request has ended (refused, cut off). */
  const write = async (bytes: Buffer) => {
    if (request.destroyed) throw new Error('the request ended');
    if (request.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const go = () => {
        request.off('drain', go).off('close', go);
        resolve();
      };
      request.on('drain', go).on('close', go);
    });
  };
  const crlf = Buffer.from('\r\n');
  const sending = (async () => {
    for (const [k, i] of instances.entries()) {
      await write(heads[k]);
      for await (const chunk of instanceBytes(i)) await write(chunk);
      await write(crlf);
    }
    request.end(tail);
  })();
  // Images that cannot be read end the request: the destination must not wait for the rest.
  sending.catch((err: Error) => request.destroy(err));
  // A destination that answers before the body is sent (a refusal) ends the sending too.
  const [sent, answered] = await Promise.allSettled([sending, answer]);
  if (answered.status === 'rejected') throw new StowError(`${url.host}: ${describe(answered.reason)}`);
  const { status, body } = answered.value;
  if (sent.status === 'rejected' && status < 300) throw new StowError(`the images could not be read: ${describe(sent.reason)}`);
  // 200: all stored; 202: some refused; 409: none stored. Each with the response dataset.
  if (![200, 202, 409].includes(status)) throw new StowError(`${url.host} answered HTTP ${status}`);
  let dataset: Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>;
  try {
    dataset = JSON.parse(body);
  } catch {
    throw new StowError(`${url.host} answered HTTP ${status} without a STOW-RS response`);
  }
  const result: StowResult = { stored: new Set(), refused: new Map() };
  for (const item of dataset[REFERENCED_SOP_SEQUENCE]?.Value ?? []) {
    const uid = item[REFERENCED_SOP_INSTANCE_UID]?.Value?.[0];
    if (typeof uid === 'string') result.stored.add(uid);
  }
  for (const item of dataset[FAILED_SOP_SEQUENCE]?.Value ?? []) {
    const uid = item[REFERENCED_SOP_INSTANCE_UID]?.Value?.[0];
    const reason = item[FAILURE_REASON]?.Value?.[0];
    if (typeof uid === 'string') result.refused.set(uid, `refused by the PACS (failure reason ${typeof reason === 'number' ? `0x${reason.toString(16).toUpperCase().padStart(4, '0')}` : 'not given'})`);
  }
  return result;
}

const describe = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}` : (e.message ?? String(err));
};
