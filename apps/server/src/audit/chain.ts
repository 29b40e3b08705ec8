import { createHmac, hkdfSync } from 'node:crypto';

/** The fields of an event that its seal vouches for. */
export interface SealedFields {
  id: number;
  txid: string;
  at: Date;
  actorUserId: string | null;
  actorLabel: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  outcome: string;
  ip: string | null;
  details: Record<string, unknown> | null;
}

export interface SealBody {
  fromXid: string;
  toXid: string;
  /** `id:digest` of each event, in id order, joined by commas. */
  events: string;
  prevHash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The chain's key, derived from the server secret: the database never holds it. */
export function auditKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'kakehashi', 'audit-chain-v1', 32));
}

/** JSON with object keys sorted at every depth, so jsonb's reordering does not change the hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** An event's keyed digest (128 bits): covers its id, so moving content to another row is caught. */
export function eventDigest(key: Buffer, e: SealedFields): string {
  const body = canonicalJson({ ...e, at: e.at.toISOString() });
  return createHmac('sha256', key).update(body).digest('hex').slice(0, 32);
}

/** A seal's hash covers the previous seal's, its range and every event digest. */
export function sealHash(key: Buffer, s: SealBody): string {
  return createHmac('sha256', key).update(`${s.prevHash}\n${s.fromXid}\n${s.toXid}\n${s.events}`).digest('hex');
}

/** The signature of a checkpoint kept outside the database. */
export function checkpointMac(key: Buffer, c: { sealId: number; hash: string; at: string }): string {
  return createHmac('sha256', key).update(`checkpoint\n${c.sealId}\n${c.hash}\n${c.at}`).digest('hex');
}
