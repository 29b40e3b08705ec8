import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('configuration', () => {
  it('has working defaults for the embedded demo and keeps a generated secret private and stable', () => {
    const config = loadConfig({ KAKEHASHI_DATA_DIR: dir });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', databaseUrl: null, smtpUrl: null, publicUrl: 'http://localhost:8080' });
    expect(config.totpRoles).toEqual(['admin', 'physician', 'coordinator']);
    const file = path.join(dir, 'secret.key');
    expect(readFileSync(file, 'utf8').trim()).toBe(config.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir }).secret).toBe(config.secret);
  });

  it('generates the embedded master key once, private, and requires one with PostgreSQL', () => {
    const config = loadConfig({ KAKEHASHI_DATA_DIR: dir });
    const file = path.join(dir, 'master.key');
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(config.masterKey);
    expect(config.masterKey).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir }).masterKey).toEqual(config.masterKey);
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, DATABASE_URL: 'postgres://localhost/x', KAKEHASHI_SECRET: 'x'.repeat(32) })).toThrow(/KAKEHASHI_MASTER_KEY is required/);
  });

  it('takes master keys as base64 of 32 bytes only, and earlier ones separated by commas', () => {
    const key = randomBytes(32);
    const old = [randomBytes(32), randomBytes(32)];
    const config = loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_MASTER_KEY: key.toString('base64'), KAKEHASHI_PREVIOUS_MASTER_KEYS: old.map((k) => k.toString('base64')).join(', ') });
    expect(config.masterKey).toEqual(key);
    expect(config.previousMasterKeys).toEqual(old);
    for (const bad of [randomBytes(16).toString('base64'), randomBytes(32).toString('hex'), `${key.toString('base64')}!`]) {
      expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_MASTER_KEY: bad })).toThrow(/KAKEHASHI_MASTER_KEY must be the base64 of 32 bytes/);
    }
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_PREVIOUS_MASTER_KEYS: 'nope' })).toThrow(/KAKEHASHI_PREVIOUS_MASTER_KEYS/);
  });

  it('names every invalid variable', () => {
    const attempt = () => loadConfig({ KAKEHASHI_DATA_DIR: dir, PORT: 'eighty', KAKEHASHI_TOTP_ROLES: 'admin,wizard', SMTP_URL: 'nope' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*SMTP_URL[\s\S]*KAKEHASHI_TOTP_ROLES: unknown roles: wizard/);
  });

  it('requires a shared secret with PostgreSQL, and accepts "none" for TOTP roles', () => {
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, DATABASE_URL: 'postgres://localhost/x' })).toThrow(/KAKEHASHI_SECRET is required/);
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_SECRET: 'short' })).toThrow(/at least 32/);
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_TOTP_ROLES: 'none' }).totpRoles).toEqual([]);
  });

  it('sizes the PostgreSQL pool: 10 by default, a positive whole number otherwise', () => {
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir }).databasePoolSize).toBe(10);
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir, DATABASE_POOL_SIZE: '24' }).databasePoolSize).toBe(24);
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, DATABASE_POOL_SIZE: 'many' })).toThrow(/DATABASE_POOL_SIZE/);
  });

  it('stores files in the data folder unless an S3 bucket is configured, and names what a half-configured bucket lacks', () => {
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir }).s3).toBeNull();
    const s3 = { KAKEHASHI_DATA_DIR: dir, KAKEHASHI_S3_ENDPOINT: 'http://127.0.0.1:9000', KAKEHASHI_S3_BUCKET: 'kakehashi', KAKEHASHI_S3_ACCESS_KEY_ID: 'id', KAKEHASHI_S3_SECRET_ACCESS_KEY: 'secret', KAKEHASHI_S3_FORCE_PATH_STYLE: 'true' };
    expect(loadConfig(s3).s3).toEqual({ endpoint: 'http://127.0.0.1:9000', bucket: 'kakehashi', region: 'us-east-1', credentials: { accessKeyId: 'id', secretAccessKey: 'secret' }, forcePathStyle: true });
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_S3_BUCKET: 'kakehashi', KAKEHASHI_S3_REGION: 'ap-northeast-1' }).s3).toMatchObject({ endpoint: null, region: 'ap-northeast-1', credentials: null, forcePathStyle: false });
    expect(() => loadConfig({ ...s3, KAKEHASHI_S3_BUCKET: undefined })).toThrow(/KAKEHASHI_S3_BUCKET is required .*KAKEHASHI_S3_ENDPOINT/);
    expect(() => loadConfig({ ...s3, KAKEHASHI_S3_SECRET_ACCESS_KEY: undefined })).toThrow(/set both or neither/);
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_S3_BUCKET: 'kakehashi' })).toThrow(/KAKEHASHI_S3_REGION is required/);
    expect(() => loadConfig({ ...s3, KAKEHASHI_S3_ENDPOINT: 'not a url' })).toThrow(/KAKEHASHI_S3_ENDPOINT/);
  });

  it('keeps closed cases five years by default, or the days configured', () => {
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir }).retentionDays).toBe(1827);
    expect(loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_RETENTION_DAYS: '3650' }).retentionDays).toBe(3650);
    expect(() => loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_RETENTION_DAYS: '0' })).toThrow(/KAKEHASHI_RETENTION_DAYS/);
  });
});
