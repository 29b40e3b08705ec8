import { eq, getTableColumns } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { hospitalSettings } from '../db/schema.ts';

export type HospitalRow = typeof hospitalSettings.$inferSelect;
export type HospitalTexts = Omit<typeof hospitalSettings.$inferInsert, 'id' | 'logo' | 'logoType' | 'logoUpdatedAt' | 'updatedAt'>;

/** The settings without the logo's bytes (they are read only to serve the logo). */
export async function findHospital(db: Db) {
  const { logo: _logo, ...columns } = getTableColumns(hospitalSettings);
  const [row] = await db.select(columns).from(hospitalSettings).where(eq(hospitalSettings.id, 1));
  return row ?? null;
}

export async function findLogo(db: Db) {
  const [row] = await db
    .select({ logo: hospitalSettings.logo, logoType: hospitalSettings.logoType })
    .from(hospitalSettings)
    .where(eq(hospitalSettings.id, 1));
  return row?.logo && row.logoType ? { bytes: Buffer.from(row.logo), type: row.logoType } : null;
}

export async function saveTexts(db: Db, texts: HospitalTexts) {
  const values = { ...texts, updatedAt: new Date() };
  await db.insert(hospitalSettings).values({ id: 1, ...values }).onConflictDoUpdate({ target: hospitalSettings.id, set: values });
}

/** Sets or removes the logo; before any texts are saved the row is made with empty ones. */
export async function saveLogo(db: Db, logo: { bytes: Uint8Array; type: string } | null, empty: HospitalTexts) {
  const values = { logo: logo?.bytes ?? null, logoType: logo?.type ?? null, logoUpdatedAt: logo ? new Date() : null, updatedAt: new Date() };
  await db.insert(hospitalSettings).values({ id: 1, ...empty, ...values }).onConflictDoUpdate({ target: hospitalSettings.id, set: values });
}
