import type { z } from 'zod';
import type { createUserBody, Locale, Role, updateUserBody, userListQuery } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import type { AuditService } from '../audit/service.ts';
import type { AuthService } from '../auth/service.ts';
import { hashPassword } from '../auth/passwords.ts';
import { requireRole, requireUser } from '../auth/policy.ts';
import type { Actor } from '../auth/principal.ts';
import { deleteUserSessions } from '../auth/repo.ts';
import { AppError, badRequest, conflict, notFound } from '../http/errors.ts';
import { isLocale } from '../http/i18n.ts';
import { findInstitution } from '../institutions/repo.ts';
import * as repo from './repo.ts';

type Listed = NonNullable<Awaited<ReturnType<typeof repo.findUserWithInstitution>>>;

export function userView({ user, institution }: Listed) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role as Role,
    institution: institution?.id ? { id: institution.id, name: institution.name } : null,
    locale: isLocale(user.locale) ? user.locale : null,
    totpEnabled: !!user.totpEnabledAt,
    disabled: !!user.disabledAt,
    createdAt: user.createdAt.toISOString(),
  };
}

export type UserService = ReturnType<typeof createUserService>;

export function createUserService(deps: { db: Db; audit: AuditService; auth: AuthService }) {
  const { db, audit, auth } = deps;

  /** A partner institution member must belong to a partner institution; nobody to a disabled one. */
  async function checkInstitution(role: Role, institutionId: string | null) {
    const institution = institutionId ? await findInstitution(db, institutionId) : null;
    if (institutionId && (!institution || institution.disabledAt)) {
      throw badRequest('institution_not_found', [{ path: 'institutionId' }]);
    }
    if (role === 'partner' && institution?.kind !== 'partner') {
      throw badRequest('partner_needs_partner_institution', [{ path: 'institutionId' }]);
    }
  }

  async function load(id: string) {
    const row = await repo.findUserWithInstitution(db, id);
    if (!row) throw notFound();
    return row;
  }

  return {
    async list(actor: Actor, f: z.output<typeof userListQuery>) {
      requireRole(actor, 'admin');
      const { items, total } = await repo.listUsers(db, f);
      return { items: items.map(userView), total, page: f.page, pageSize: f.pageSize };
    },

    /** Creates a user; without a password the user is e-mailed a link to set one. */
    async create(actor: Actor | null, input: z.output<typeof createUserBody>, inviteLocale: Locale = 'ja') {
      if (actor) requireRole(actor, 'admin');
      await checkInstitution(input.role, input.institutionId);
      if (await repo.emailExists(db, input.email)) throw conflict('email_taken');
      const passwordHash = input.password ? await hashPassword(input.password) : null;
      const user = await db
        .transaction(async (tx) => {
          const created = await repo.insertUser(tx as Db, {
            email: input.email,
            name: input.name,
            role: input.role,
            institutionId: input.institutionId,
            locale: input.locale,
            passwordHash,
          });
          if (!passwordHash) await auth.sendPasswordLink(created, 'invite', input.locale ?? actor?.locale ?? inviteLocale, tx as Db);
          return created;
        })
        .catch((err) => {
          // Two admins adding the same address at once: the unique index decides.
          if ((err as { code?: string }).code === '23505' || String(err).includes('users_email_key')) throw conflict('email_taken');
          throw err;
        });
      if (actor) {
        await audit.record(actor, { action: 'user.create', subjectType: 'user', subjectId: user.id, details: { role: input.role, invited: !passwordHash } });
      }
      return { user: userView(await load(user.id)), invited: !passwordHash };
    },

    async update(actor: Actor, id: string, input: z.output<typeof updateUserBody>) {
      const admin = requireRole(actor, 'admin');
      const { user } = await load(id);
      if (id === admin.user.id && (input.disabled === true || (input.role && input.role !== user.role))) {
        throw new AppError(400, 'cannot_change_self');
      }
      const role = (input.role ?? user.role) as Role;
      const institutionId = input.institutionId === undefined ? user.institutionId : input.institutionId;
      if (input.role !== undefined || input.institutionId !== undefined) await checkInstitution(role, institutionId);
      const patch: Parameters<typeof repo.updateUser>[2] = {};
      if (input.name !== undefined) patch.name = input.name;
      if (input.role !== undefined) patch.role = input.role;
      if (input.institutionId !== undefined) patch.institutionId = input.institutionId;
      if (input.disabled !== undefined) patch.disabledAt = input.disabled ? (user.disabledAt ?? new Date()) : null;
      if (input.resetTotp) Object.assign(patch, { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null });
      await db.transaction(async (tx) => {
        if (Object.keys(patch).length) await repo.updateUser(tx as Db, id, patch);
        if (input.disabled || input.resetTotp || input.role !== undefined) await deleteUserSessions(tx as Db, id);
      });
      await audit.record(actor, { action: 'user.update', subjectType: 'user', subjectId: id, details: { fields: Object.keys(input) } });
      return userView(await load(id));
    },

    async me(actor: Actor) {
      const p = requireUser(actor);
      return userView(await load(p.user.id));
    },

    async setLocale(actor: Actor, locale: Locale | null) {
      const p = requireUser(actor);
      await repo.updateUser(db, p.user.id, { locale });
    },
  };
}
