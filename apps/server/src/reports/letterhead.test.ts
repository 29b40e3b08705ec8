import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sameInEveryLanguage, type HospitalSettings } from '@kakehashi/core';
import { ConfigError, loadConfig } from '../config.ts';
import { letterheadFor } from './letterhead.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-letterhead-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC', 'base64');
const address = { ja: ['〒100-0000 東京都千代田区架空町1-2-3'], 'zh-CN': ['日本东京都千代田区架空町1-2-3'], en: ['1-2-3 Kaku-cho, Chiyoda-ku, Tokyo'] };
function file(name: string, content: unknown) {
  const f = path.join(dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}
const load = (letterhead: string) => loadConfig({ KAKEHASHI_DATA_DIR: dir, KAKEHASHI_LETTERHEAD: letterhead });

const hospital = {
  name: { ja: '架橋病院（架空）', 'zh-CN': '架桥医院（虚构）', en: 'Kakehashi Hospital (fictional)' },
  department: { ja: '国際診療部', 'zh-CN': '国际医疗部', en: 'International Department' },
  contact: { email: 'international@example.org', phone: '+81-3-0000-0000', fax: '', hours: sameInEveryLanguage('') },
} as HospitalSettings;

describe('the letterhead configuration (KAKEHASHI_LETTERHEAD)', () => {
  it('reads the address per language and a logo beside the file, and falls back to the hospital settings for contact lines', () => {
    writeFileSync(path.join(dir, 'logo.png'), PNG);
    const config = load(file('good.json', { address, logo: 'logo.png' })).letterhead!;
    expect(config.logo).toEqual(PNG);
    const head = letterheadFor('zh-CN', hospital, config);
    expect(head).toEqual({ name: '架桥医院（虚构）', department: '国际医疗部', addressLines: address['zh-CN'], contactLines: ['+81-3-0000-0000 · international@example.org'], logo: PNG });
    expect(letterheadFor('en', hospital, null)).toMatchObject({ addressLines: [], logo: null });
  });

  it('refuses a file that is not JSON, lacks a language, holds unstorable text, or names a logo that is not PNG or JPEG', () => {
    writeFileSync(path.join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const cases: [string, RegExp][] = [
      [path.join(dir, 'missing.json'), /cannot be read as JSON/],
      [file('broken.json', '{ address: '), /cannot be read as JSON/],
      [file('nozh.json', { address: { ja: address.ja, en: address.en } }), /address\.zh-CN/],
      [file('nul.json', { address: { ...address, en: ['a\u0000b'] } }), /address\.en\.0: validation\.unstorableText/],
      [file('extra.json', { address, phone: '1' }), /Unrecognized key/],
      [file('svg.json', { address, logo: 'logo.svg' }), /must be a PNG or JPEG image/],
      [file('nologo.json', { address, logo: 'nowhere.png' }), /logo .*nowhere\.png cannot be read \(ENOENT\)/],
    ];
    for (const [f, message] of cases) {
      expect(() => load(f), f).toThrow(ConfigError);
      expect(() => load(f), f).toThrow(message);
    }
  });
});
