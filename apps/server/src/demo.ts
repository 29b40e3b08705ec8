import type { Role } from '@kakehashi/core';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { hashPassword } from './auth/passwords.ts';
import { findUserByEmail } from './auth/repo.ts';
import { findInstitutionByName, insertInstitution } from './institutions/repo.ts';
import { insertUser } from './users/repo.ts';
import { createAuditService } from './audit/service.ts';

export const DEMO_PASSWORD = 'kakehashi-demo';

const INSTITUTIONS = [
  { key: 'own', name: 'Kakehashi Medical Center (Demo)', country: 'JP', kind: 'own', mouStatus: 'none', mouSignedOn: null },
  { key: 'partner', name: 'Shanghai Partner Hospital (Demo)', country: 'CN', kind: 'partner', mouStatus: 'signed', mouSignedOn: '2025-04-01' },
] as const;

const USERS: { email: string; name: string; role: Role; institution: 'own' | 'partner'; locale: string | null }[] = [
  { email: 'admin@example.org', name: 'Admin Test', role: 'admin', institution: 'own', locale: null },
  { email: 'coordinator@example.org', name: 'Coordinator 佐藤 Test', role: 'coordinator', institution: 'own', locale: null },
  { email: 'physician@example.org', name: 'Dr. 山田 Test', role: 'physician', institution: 'own', locale: null },
  { email: 'nurse@example.org', name: 'Nurse 鈴木 Test', role: 'nurse', institution: 'own', locale: null },
  { email: 'interpreter@example.org', name: 'Interpreter 李 Test', role: 'interpreter', institution: 'own', locale: 'zh-CN' },
  { email: 'partner@example.org', name: 'Dr. 王 Test', role: 'partner', institution: 'partner', locale: 'zh-CN' },
];

/** Demo institutions and users; running it again adds only what is missing. Returns the users added. */
export async function seedDemo(db: Db, _config: Config): Promise<number> {
  const ids: Record<string, string> = {};
  for (const { key, ...inst } of INSTITUTIONS) {
    const found = await findInstitutionByName(db, inst.name);
    ids[key] = found?.id ?? (await insertInstitution(db, inst)).id;
  }
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const audit = createAuditService(db);
  let added = 0;
  for (const u of USERS) {
    if (await findUserByEmail(db, u.email)) continue;
    const created = await insertUser(db, { ...u, institutionId: ids[u.institution], passwordHash });
    await audit.record({ principal: null, ip: null }, { action: 'user.create', actorLabel: 'seed-demo', subjectType: 'user', subjectId: created.id, details: { role: u.role } });
    added++;
  }
  return added;
}
