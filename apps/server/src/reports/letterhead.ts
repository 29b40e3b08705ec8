import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { storableText, type HospitalSettings, type Locale } from '@kakehashi/core';
import type { Letterhead } from '../pdf/writer.ts';

/**
 * The letterhead's lines that the hospital's settings do not hold: its postal address and contact
 * lines in each language, and a logo for print (PNG or JPEG; the settings' logo may be SVG, which
 * pdfkit cannot draw). Read from the JSON file KAKEHASHI_LETTERHEAD names (the README's configuration table).
 */
export interface LetterheadConfig {
  address: Record<Locale, string[]>;
  contact: Record<Locale, string[]> | null;
  logo: Buffer | null;
}

const lines = z.array(storableText(200).min(1)).max(6);
const perLanguage = z.object({ ja: lines, 'zh-CN': lines, en: lines });
const letterheadFile = z.strictObject({
  address: perLanguage,
  /** Without it, the hospital's settings give the contact lines (telephone, e-mail). */
  contact: perLanguage.optional(),
  /** A PNG or JPEG file, relative to the JSON file or absolute. */
  logo: z.string().min(1).optional(),
});

export const LOGO_MAX_BYTES = 1024 * 1024;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);

export class LetterheadFileError extends Error {}

/** Reads and checks the letterhead file; throws LetterheadFileError saying what is wrong. */
export function readLetterheadFile(file: string): LetterheadConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LetterheadFileError(`The letterhead file ${file} cannot be read as JSON (${(err as Error).message}).`);
  }
  const parsed = letterheadFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new LetterheadFileError(`The letterhead file ${file} is not as expected: ${issues}.`);
  }
  let logo: Buffer | null = null;
  if (parsed.data.logo) {
    const logoFile = path.resolve(path.dirname(file), parsed.data.logo);
    try {
      logo = readFileSync(logoFile);
    } catch (err) {
      throw new LetterheadFileError(`The letterhead logo ${logoFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
    }
    if (logo.length > LOGO_MAX_BYTES || !(logo.subarray(0, 8).equals(PNG) || logo.subarray(0, 3).equals(JPEG))) {
      throw new LetterheadFileError(`The letterhead logo ${logoFile} must be a PNG or JPEG image of at most 1 MB.`);
    }
  }
  return { address: parsed.data.address, contact: parsed.data.contact ?? null, logo };
}

/** The letterhead of a document in `locale`: the hospital's name and department from its settings, the rest configured. */
export function letterheadFor(locale: Locale, hospital: HospitalSettings, configured: LetterheadConfig | null): Letterhead {
  const contact = configured?.contact?.[locale] ?? [[hospital.contact.phone, hospital.contact.email].filter(Boolean).join(' · ')].filter(Boolean);
  return {
    name: hospital.name[locale] || hospital.name.en,
    department: hospital.department[locale],
    addressLines: configured?.address[locale] ?? [],
    contactLines: contact,
    logo: configured?.logo ?? null,
  };
}
