import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TOTP_ROLES, ROLES, type Role } from '@kakehashi/core';
import { readLetterheadFile, type LetterheadConfig } from './reports/letterhead.ts';
import { readSigningIdentity, type SigningFiles } from './reports/sign.ts';
import type { S3Settings } from './storage/s3.ts';

/**
 * Every environment variable Kakehashi reads, validated once at start-up.
 * The README's configuration table documents exactly these.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  KAKEHASHI_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  KAKEHASHI_SECRET: z.string().min(32, 'KAKEHASHI_SECRET must be at least 32 characters').optional(),
  KAKEHASHI_MASTER_KEY: z.string().refine(isKey, 'KAKEHASHI_MASTER_KEY must be the base64 of 32 bytes').optional(),
  KAKEHASHI_PREVIOUS_MASTER_KEYS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((k) => k.trim()).filter(Boolean))
    .refine((keys) => keys.every(isKey), 'KAKEHASHI_PREVIOUS_MASTER_KEYS must be base64 keys of 32 bytes, separated by commas'),
  KAKEHASHI_PUBLIC_URL: z.string().url().optional(),
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().default('Kakehashi <no-reply@example.org>'),
  KAKEHASHI_TOTP_ROLES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return [...DEFAULT_TOTP_ROLES];
      if (v.trim() === '' || v.trim() === 'none') return [];
      const roles = v.split(',').map((r) => r.trim());
      const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown roles: ${unknown.join(', ')}` });
      return roles as Role[];
    }),
  KAKEHASHI_TIME_ZONE: z
    .string()
    .default('Asia/Tokyo')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'unknown time zone'),
  /** The month (1–12) the fiscal year starts in, for programme indicators: April in Japan. */
  KAKEHASHI_FISCAL_YEAR_START_MONTH: z.coerce.number().int().min(1).max(12).default(4),
  /** Records a case may hold in all, and one file at most (bytes); 20 GB by default. */
  KAKEHASHI_UPLOAD_MAX_CASE_BYTES: z.coerce.number().int().positive().default(20 * 1024 ** 3),
  KAKEHASHI_UPLOAD_MAX_FILE_BYTES: z.coerce.number().int().positive().default(20 * 1024 ** 3),
  /** ClamAV's clamd for the scanning hook: `host:port` or the path of its socket; unset, files are not scanned. */
  KAKEHASHI_CLAMD: z
    .string()
    .regex(/^(\/\S+|[A-Za-z0-9.-]+:\d{1,5})$/, 'host:port or an absolute socket path')
    .optional(),
  /** An S3-compatible bucket for stored files instead of the data folder; see s3Settings() below. */
  KAKEHASHI_S3_ENDPOINT: z.string().url().optional(),
  KAKEHASHI_S3_BUCKET: z.string().min(3).optional(),
  KAKEHASHI_S3_REGION: z.string().min(1).optional(),
  KAKEHASHI_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  KAKEHASHI_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  KAKEHASHI_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /**
   * Days a closed case's records are kept before they are deleted. Five years by default: the legal
   * minimum for 診療録 (医師法 第24条, 療養担当規則 第9条), counted here from the case's closing; five
   * calendar years hold at most two leap days.
   */
  KAKEHASHI_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(5 * 365 + 2),
  /** The hospital's document-signing key and certificate (PEM files); unset, a demo key is made (reports/sign.ts). */
  KAKEHASHI_SIGNING_KEY: z.string().min(1).optional(),
  KAKEHASHI_SIGNING_CERT: z.string().min(1).optional(),
  KAKEHASHI_SIGNING_KEY_PASSPHRASE: z.string().min(1).optional(),
  /** A JSON file with the letterhead's address and contact lines per language and a logo for print (reports/letterhead.ts). */
  KAKEHASHI_LETTERHEAD: z.string().min(1).optional(),
  TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  KAKEHASHI_WEB_BASELINE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  /** PostgreSQL connections this process may hold (each request's transaction holds one). */
  databasePoolSize: number;
  secret: string;
  /** Wraps the data key of every stored file (storage/keys.ts). */
  masterKey: Buffer;
  /** Earlier master keys, still accepted to unwrap data keys until `storage rotate-key` has re-wrapped them. */
  previousMasterKeys: Buffer[];
  publicUrl: string;
  smtpUrl: string | null;
  mailFrom: string;
  totpRoles: Role[];
  /** The hospital's time zone: staff calendars and the "hospital time" shown to patients. */
  timeZone: string;
  /** The month (1–12) a fiscal year starts in, in that zone (programme indicators). */
  fiscalYearStartMonth: number;
  trustProxy: boolean;
  logLevel: string;
  /** What a case's records may weigh in all, and one file at most (bytes). */
  uploadLimits: { caseBytes: number; fileBytes: number };
  /** ClamAV's clamd (`host:port` or a socket path), when documents are to be scanned. */
  clamd: string | null;
  /** Stored files go to this bucket instead of the data folder's `blobs/` (null: the folder). */
  s3: S3Settings | null;
  /** Days after closing that a case's records are kept (retention job, storage/retention.ts). */
  retentionDays: number;
  /**
   * The key and certificate that sign report PDFs, checked at start-up; null: the demo's own,
   * self-signed, made once in the data folder (reports/sign.ts demoSigningIdentity).
   */
  signing: SigningFiles | null;
  /** The report PDFs' letterhead lines and logo (KAKEHASHI_LETTERHEAD); null: the hospital's name and contact only. */
  letterhead: LetterheadConfig | null;
  /** Benchmark baseline only: the web app uncompressed and revalidated on every visit (bench/web.ts). */
  webBaseline: boolean;
}

export class ConfigError extends Error {}

/** Reads and validates the configuration; creates the data folder and, for the embedded default, a secret. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.KAKEHASHI_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  let secret = e.KAKEHASHI_SECRET;
  if (!secret) {
    // Several processes behind one PostgreSQL must share a secret: only the embedded default may make its own.
    if (e.DATABASE_URL) throw new ConfigError('KAKEHASHI_SECRET is required when DATABASE_URL is set.');
    secret = embeddedSecret(dataDir);
  }
  let masterKey = e.KAKEHASHI_MASTER_KEY;
  if (!masterKey) {
    // Like the secret: every process must unwrap what any other stored, so only the embedded default makes its own.
    if (e.DATABASE_URL) throw new ConfigError('KAKEHASHI_MASTER_KEY is required when DATABASE_URL is set.');
    masterKey = embeddedMasterKey(dataDir);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL ?? null,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    secret,
    masterKey: Buffer.from(masterKey, 'base64'),
    previousMasterKeys: e.KAKEHASHI_PREVIOUS_MASTER_KEYS.map((k) => Buffer.from(k, 'base64')),
    publicUrl: (e.KAKEHASHI_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    totpRoles: e.KAKEHASHI_TOTP_ROLES,
    timeZone: e.KAKEHASHI_TIME_ZONE,
    fiscalYearStartMonth: e.KAKEHASHI_FISCAL_YEAR_START_MONTH,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    uploadLimits: { caseBytes: e.KAKEHASHI_UPLOAD_MAX_CASE_BYTES, fileBytes: e.KAKEHASHI_UPLOAD_MAX_FILE_BYTES },
    clamd: e.KAKEHASHI_CLAMD ?? null,
    webBaseline: e.KAKEHASHI_WEB_BASELINE,
    s3: s3Settings(e),
    retentionDays: e.KAKEHASHI_RETENTION_DAYS,
    signing: signingFiles(e),
    letterhead: e.KAKEHASHI_LETTERHEAD ? letterhead(e.KAKEHASHI_LETTERHEAD) : null,
  };
}

/** The configured signing files, read and checked now so a wrong file stops the start, not a signature. */
function signingFiles(e: z.output<typeof envSchema>): SigningFiles | null {
  const { KAKEHASHI_SIGNING_KEY: keyFile, KAKEHASHI_SIGNING_CERT: certFile, KAKEHASHI_SIGNING_KEY_PASSPHRASE: passphrase } = e;
  if (!keyFile && !certFile) {
    if (passphrase) throw new ConfigError('KAKEHASHI_SIGNING_KEY_PASSPHRASE is set without KAKEHASHI_SIGNING_KEY.');
    return null;
  }
  if (!keyFile || !certFile) throw new ConfigError('KAKEHASHI_SIGNING_KEY and KAKEHASHI_SIGNING_CERT go together: set both or neither.');
  const files = { keyFile: path.resolve(keyFile), certFile: path.resolve(certFile), passphrase: passphrase ?? null };
  try {
    readSigningIdentity(files);
  } catch (err) {
    throw new ConfigError(`KAKEHASHI_SIGNING_KEY / KAKEHASHI_SIGNING_CERT: ${(err as Error).message}`);
  }
  return files;
}

function letterhead(file: string): LetterheadConfig {
  try {
    return readLetterheadFile(path.resolve(file));
  } catch (err) {
    throw new ConfigError(`KAKEHASHI_LETTERHEAD: ${(err as Error).message}`);
  }
}

/**
 * The S3 backend's settings, or null when no KAKEHASHI_S3_* variable is set. A bucket is required as
 * soon as any is set, and the two halves of a key go together; without a key the SDK's own chain is used
 * (AWS_* variables, an instance role). Without an endpoint it is AWS S3 in the region.
 */
function s3Settings(e: z.output<typeof envSchema>): S3Settings | null {
  const set = Object.entries(e).filter(([k, v]) => k.startsWith('KAKEHASHI_S3_') && k !== 'KAKEHASHI_S3_FORCE_PATH_STYLE' && v !== undefined);
  if (set.length === 0 && !e.KAKEHASHI_S3_FORCE_PATH_STYLE) return null;
  if (!e.KAKEHASHI_S3_BUCKET) throw new ConfigError(`KAKEHASHI_S3_BUCKET is required when other KAKEHASHI_S3_* variables are set (${set.map(([k]) => k).join(', ') || 'KAKEHASHI_S3_FORCE_PATH_STYLE'}).`);
  if (!e.KAKEHASHI_S3_ACCESS_KEY_ID !== !e.KAKEHASHI_S3_SECRET_ACCESS_KEY) throw new ConfigError('KAKEHASHI_S3_ACCESS_KEY_ID and KAKEHASHI_S3_SECRET_ACCESS_KEY go together: set both or neither.');
  if (!e.KAKEHASHI_S3_ENDPOINT && !e.KAKEHASHI_S3_REGION) throw new ConfigError('KAKEHASHI_S3_REGION is required for AWS S3 (no KAKEHASHI_S3_ENDPOINT set).');
  return {
    endpoint: e.KAKEHASHI_S3_ENDPOINT ?? null,
    bucket: e.KAKEHASHI_S3_BUCKET,
    // S3-compatible stores mostly ignore the region, but requests are signed with one.
    region: e.KAKEHASHI_S3_REGION ?? 'us-east-1',
    credentials: e.KAKEHASHI_S3_ACCESS_KEY_ID ? { accessKeyId: e.KAKEHASHI_S3_ACCESS_KEY_ID, secretAccessKey: e.KAKEHASHI_S3_SECRET_ACCESS_KEY! } : null,
    forcePathStyle: e.KAKEHASHI_S3_FORCE_PATH_STYLE,
  };
}

function embeddedSecret(dataDir: string): string {
  return generatedOnce(path.join(dataDir, 'secret.key'), () => randomBytes(32).toString('base64url'));
}

function embeddedMasterKey(dataDir: string): string {
  const key = generatedOnce(path.join(dataDir, 'master.key'), () => randomBytes(32).toString('base64'));
  if (!isKey(key)) throw new ConfigError(`${path.join(dataDir, 'master.key')} does not hold the base64 of 32 bytes.`);
  return key;
}

/** The value kept in `file`, made by `make` and written readable by the owner only on first use. */
function generatedOnce(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  return value;
}

/** Standard base64 of exactly 32 bytes (Node's decoder would silently skip stray characters). */
function isKey(value: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(value.trim());
}
