import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(E2E_DIR, '..');

export const baseURL = (): string => {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set (playwright.config.ts sets it)');
  return url;
};

/** Where the run keeps the admin session and TOTP secrets; fresh per run when we start the server. */
export const stateDir = (): string => process.env.E2E_STATE_DIR ?? path.join(E2E_DIR, '.state');
export const adminStatePath = (): string => path.join(stateDir(), 'admin.json');

/** Every demo user has this password (apps/server seed-demo). */
export const DEMO_PASSWORD = 'kakehashi-demo';
export const DEMO = {
  admin: 'admin@example.org',
  coordinator: 'coordinator@example.org',
  physician: 'physician@example.org',
  nurse: 'nurse@example.org',
  partner: 'partner@example.org',
  ownInstitution: 'Kakehashi Medical Center (Demo)',
  partnerInstitution: 'Shanghai Partner Hospital (Demo)',
} as const;

/** Debian's Chromium, with the flags this closed network needs (no background calls home). */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};
