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
});
