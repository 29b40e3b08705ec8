import type { z } from 'zod';
import type { createUserBody, Locale, Role, updateUserBody, userListQuery } from '@kakehashi/core';
import { transaction, type Db } from '../db/client.ts';
import type { Gate } from '../access/gate.ts';
import type { AuditService } from '../audit/service.ts';
import type { AuthService } from '../auth/service.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Actor } from '../auth/principal.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { isLocale } from '../i18n.ts';
import type { InstitutionService } from '../institutions/service.ts';
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

export function createUserService(deps: { db: Db; gate: Gate<unknown>; audit: AuditService; auth: AuthService; institutions: InstitutionService }) {
  const { db, gate, audit, auth, institutions } = deps;

  /** A partner institution member must belong to a partner institution; nobody to a disabled one. */
  async function checkInstitution(tx: Db, role: Role, institutionId: string | null) {
    const institution = institutionId ? await institutions.find(institutionId, tx) : null;
    if (institutionId && (!institution || institution.disabledAt)) {
      throw badRequest('institution_not_found', [{ path: 'institutionId' }]);
    }
    if (role === 'partner' && institution?.kind !== 'partner') {
      throw badRequest('partner_needs_partner_institution', [{ path: 'institutionId' }]);
    }
  }

  async function load(tx: Db, id: string) {
    const row = await repo.findUserWithInstitution(tx, id);
    if (!row) throw notFound();
    return row;
  }

  /** Creates a user; without a password the user is e-mailed a link to set one. */
  async function insert(tx: Db, input: z.output<typeof createUserBody>, inviteLocale: Locale) {
    await checkInstitution(tx, input.role, input.institutionId);
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    // Two admins adding the same address at once: the unique index decides (null: taken).
    const created = await repo.insertUser(tx, {
      email: input.email,
      name: input.name,
      role: input.role,
      institutionId: input.institutionId,
      locale: input.locale,
      passwordHash,
    });
    if (!created) throw conflict('email_taken');
    if (!passwordHash) await auth.sendPasswordLink(created, 'invite', input.locale ?? inviteLocale, tx);
    return { user: userView(await load(tx, created.id)), invited: !passwordHash };
  }

  return {
    list(actor: Actor, f: z.output<typeof userListQuery>) {
      return gate.run(actor, 'user.list', null, async ({ tx, audit }) => {
        const { items, total } = await repo.listUsers(tx, f);
        audit.details = { ...f, results: items.length };
        return { items: items.map(userView), total, page: f.page, pageSize: f.pageSize };
      });
    },

    /**
     * An administrator adds a user. The command line names itself instead (`system`), audited in the
     * same transaction; without either (test factories) nothing is audited.
     */
    create(actor: Actor | null, input: z.output<typeof createUserBody>, inviteLocale: Locale = 'ja', system?: string) {
      if (!actor) {
        return transaction(db, async (tx) => {
          const result = await insert(tx, input, inviteLocale);
          if (system) {
            await audit.record(tx, { principal: null, ip: null }, { action: 'user.create', actorLabel: system, subjectType: 'user', subjectId: result.user.id, details: { role: input.role } });
          }
          return result;
        });
      }
      return gate.run(actor, 'user.create', null, async ({ tx, audit }) => {
        const result = await insert(tx, input, actor.locale);
        Object.assign(audit, { subjectId: result.user.id, details: { role: input.role, invited: result.invited } });
        return result;
      });
    },

    update(actor: Actor, id: string, input: z.output<typeof updateUserBody>) {
      return gate.run(actor, 'user.update', id, async ({ tx, audit }) => {
        audit.details = { fields: Object.keys(input) };
        const { user } = await load(tx, id);
        const self = actor.principal?.kind === 'user' && actor.principal.user.id === id;
        if (self && (input.disabled === true || (input.role && input.role !== user.role))) throw badRequest('cannot_change_self');
        const role = (input.role ?? user.role) as Role;
        const institutionId = input.institutionId === undefined ? user.institutionId : input.institutionId;
        if (input.role !== undefined || input.institutionId !== undefined) await checkInstitution(tx, role, institutionId);
        const patch: Parameters<typeof repo.updateUser>[2] = {};
        if (input.name !== undefined) patch.name = input.name;
        if (input.role !== undefined) patch.role = input.role;
        if (input.institutionId !== undefined) patch.institutionId = input.institutionId;
        if (input.disabled !== undefined) patch.disabledAt = input.disabled ? (user.disabledAt ?? new Date()) : null;
        if (input.resetTotp) Object.assign(patch, { totpSecret: null, totpPendingSecret: null, totpEnabledAt: null, totpLastStep: null });
        if (Object.keys(patch).length) await repo.updateUser(tx, id, patch);
        if (input.disabled || input.resetTotp || input.role !== undefined) await auth.endSessions(id, tx);
        return userView(await load(tx, id));
      });
    },

    me(actor: Actor) {
      return gate.run(actor, 'me.read', null, async ({ tx }) => userView(await load(tx, (actor.principal as { user: { id: string } }).user.id)));
    },

    setLocale(actor: Actor, locale: Locale | null) {
      return gate.run(actor, 'me.update', null, async ({ tx, audit }) => {
        const id = (actor.principal as { user: { id: string } }).user.id;
        Object.assign(audit, { subjectId: id, details: { locale } });
        await repo.updateUser(tx, id, { locale });
      });
    },
  };
}
