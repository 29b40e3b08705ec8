import fs from 'node:fs';
import path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { en, flattenKeys } from '@kakehashi/core/i18n';
import { E2E_DIR } from './env.ts';

/** Screenshots for people to look at: e2e/screenshots/<screen>-<locale>[-390].png (not committed). */
export const SHOTS_DIR = path.join(E2E_DIR, 'screenshots');
const KEYS = flattenKeys(en);

/**
 * The page's text as the interface words it: codes shown as data (an audit event's `outbox.resend`,
 * marked `data-verbatim`) are left out. Hidden through the CSSOM for the reading: the page's CSP
 * refuses an added style sheet.
 */
export async function interfaceText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const codes = Array.from(document.querySelectorAll<HTMLElement>('[data-verbatim]'));
    const saved = codes.map((el) => el.style.display);
    for (const el of codes) el.style.display = 'none';
    const shown = document.body.innerText;
    codes.forEach((el, i) => (el.style.display = saved[i]));
    return shown;
  });
}

/**
 * A screenshot of the whole page, or of one part of it: first checks that no catalog key leaked
 * untranslated onto the page (codes marked `data-verbatim` aside) and that the page does not scroll
 * sideways.
 */
export async function shoot(page: Page, name: string, part?: Locator) {
  fs.mkdirSync(SHOTS_DIR, { recursive: true });
  const text = await interfaceText(page);
  const words = new Set(text.split(/[\s,:;()（）「」“”]+/));
  expect(KEYS.filter((k) => words.has(k))).toEqual([]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  const file = path.join(SHOTS_DIR, `${name}.png`);
  if (part) await part.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
}
