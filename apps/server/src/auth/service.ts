import { generateSecret, generateURI, verify as verifyTotpCode } from 'otplib';
import QRCode from 'qrcode';
import type { Locale, Role } from '@kakehashi/core';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { AuditService } from '../audit/service.ts';
import type { MailService } from '../notifications/service.ts';
import { LINK_TOKEN } from '../notifications/links.ts';
import { AppError, badRequest, invalidCredentials, rateLimited } from '../http/errors.ts';
import { translator, isLocale } from '../http/i18n.ts';
import { randomToken, seal, sha256, unseal } from './crypto.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { Actor, Principal, SessionUser } from './principal.ts';
import * as repo from './repo.ts';

const ACTIVE_HOURS = 12;
const IDLE_MINUTES = 120;
const PENDING_MINUTES = 10;
const RESET_MINUTES = 60;
const INVITE_HOURS = 72;
/** Failed sign-ins allowed per account and per address in each window. */
const ACCOUNT_LIMIT = 5;
const ADDRESS_LIMIT = 30;
const WINDOW_SECONDS = 15 * 60;
const TOTP_SEAL = 'totp-secret';

export type SessionState = repo.SessionRow['state'];
export interface ResolvedSession {
  id: string;
  state: SessionState;
  csrfToken: string;
  user: SessionUser;
}

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(deps: { db: Db; config: Config; audit: AuditService; mail: MailService }) {
  const { db, config, audit, mail } = deps;
  const totpRequired = (role: string) => config.totpRoles.includes(role as Role);

  function toSessionUser(u: repo.UserRow): SessionUser {
    return {
      id: u.id,
      email: u.email,
      name: u.name,
      role: u.role as Role,
      institutionId: u.institutionId,
      locale: isLocale(u.locale) ? u.locale : null,
      totpEnabled: !!u.totpEnabledAt,
    };
  }

  /** What a user with a correct password must do next. */
  const nextStep = (u: repo.UserRow): SessionState =>
    u.totpEnabledAt ? 'totp' : totpRequired(u.role) ? 'enrol_totp' : 'active';

  async function newSession(user: repo.UserRow, state: SessionState, actor: Actor) {
    const token = randomToken();
    const csrfToken = randomToken(24);
    const minutes = state === 'active' ? ACTIVE_HOURS * 60 : PENDING_MINUTES;
    await repo.insertSession(db, {
      id: sha256(token),
      userId: user.id,
      state,
      csrfToken,
      ip: actor.ip,
      userAgent: actor.userAgent?.slice(0, 300) ?? null,
      expiresAt: new Date(Date.now() + minutes * 60_000),
    });
    return { token, csrfToken };
  }

  async function checkTotp(user: repo.UserRow, sealedSecret: string | null, code: string): Promise<boolean> {
    if (!sealedSecret) return false;
    const secret = unseal(config.secret, TOTP_SEAL, sealedSecret);
    const result = await verifyTotpCode({ secret, token: code, epochTolerance: 30 });
    if (!result.valid) return false;
    const step = Math.floor(Date.now() / 30_000) + result.delta;
    return repo.claimTotpStep(db, user.id, step);
  }

  /** Counts a failed second step like a failed password, so codes cannot be guessed. */
  async function failTotp(session: ResolvedSession, actor: Actor, action: string): Promise<never> {
    const hit = await repo.hitRateLimit(db, `account:${session.user.email.toLowerCase()}`, WINDOW_SECONDS);
    await audit.record(actor, { action, outcome: 'denied', actorLabel: session.user.email, subjectType: 'user', subjectId: session.user.id });
    if (hit.count > ACCOUNT_LIMIT) {
      await repo.deleteSession(db, session.id);
      throw rateLimited(hit.secondsLeft);
    }
    throw badRequest('totp_invalid');
  }

  async function promote(session: ResolvedSession, user: repo.UserRow, actor: Actor) {
    // A new session id once the second step is done: a pending cookie cannot be fixed in advance.
    await repo.deleteSession(db, session.id);
    return newSession(user, 'active', actor);
  }

  return {
    totpRequired,

    /** Checks the password; `previousSessionId` (a half-finished sign-in in this browser) is replaced. */
    async signIn(actor: Actor, email: string, password: string, previousSessionId?: string) {
      const accountKey = `account:${email.toLowerCase()}`;
      const addressKey = `address:${actor.ip ?? 'unknown'}`;
      // Only failures count: a whole hospital behind one address signs in many times a day.
      const address = await repo.peekRateLimit(db, addressKey, WINDOW_SECONDS);
      const account = await repo.peekRateLimit(db, accountKey, WINDOW_SECONDS);
      if (address.count >= ADDRESS_LIMIT || account.count >= ACCOUNT_LIMIT) {
        await audit.record(actor, { action: 'auth.sign_in', outcome: 'denied', actorLabel: email, details: { reason: 'rate_limited' } });
        throw rateLimited(Math.max(address.count >= ADDRESS_LIMIT ? address.secondsLeft : 0, account.count >= ACCOUNT_LIMIT ? account.secondsLeft : 0));
      }
      const user = await repo.findUserByEmail(db, email);
      const passwordOk = await verifyPassword(user?.passwordHash ?? null, password);
      if (!user || !passwordOk || user.disabledAt) {
        await repo.hitRateLimit(db, accountKey, WINDOW_SECONDS);
        await repo.hitRateLimit(db, addressKey, WINDOW_SECONDS);
        await audit.record(actor, {
          action: 'auth.sign_in',
          outcome: 'denied',
          actorLabel: email,
          subjectType: user ? 'user' : undefined,
          subjectId: user?.id,
          details: { reason: !user ? 'unknown_account' : user.disabledAt ? 'disabled' : 'wrong_password' },
        });
        throw invalidCredentials();
      }
      await repo.clearRateLimit(db, accountKey);
      if (previousSessionId) await repo.deleteSession(db, previousSessionId);
      const next = nextStep(user);
      const session = await newSession(user, next, actor);
      await audit.record(
        { ...actor, principal: null },
        { action: 'auth.sign_in', actorLabel: user.email, subjectType: 'user', subjectId: user.id, details: { next } },
      );
      return { ...session, next: next === 'active' ? ('done' as const) : next };
    },

    /** The session behind a cookie, or null when it is unknown, expired, idle too long or its user disabled. */
    async resolveSession(token: string): Promise<ResolvedSession | null> {
      const id = sha256(token);
      const row = await repo.findLiveSession(db, id);
      if (!row || row.user.disabledAt) return null;
      const { session, user } = row;
      if (session.state === 'active' && Date.now() - session.lastSeenAt.getTime() > IDLE_MINUTES * 60_000) {
        await repo.deleteSession(db, id);
        return null;
      }
      if (session.state === 'active' && Date.now() - session.lastSeenAt.getTime() > 60_000) {
        await repo.updateSession(db, id, { lastSeenAt: new Date() });
      }
      // A role that now needs TOTP (changed role or configuration) must enrol before going on.
      const state = session.state === 'active' && totpRequired(user.role) && !user.totpEnabledAt ? 'enrol_totp' : session.state;
      return { id, state, csrfToken: session.csrfToken, user: toSessionUser(user) };
    },

    async verifyTotp(session: ResolvedSession, actor: Actor, code: string) {
      if (session.state !== 'totp') throw badRequest('totp_invalid');
      const user = await repo.findUserById(db, session.user.id);
      if (!user || !(await checkTotp(user, user.totpSecret, code))) return failTotp(session, actor, 'auth.totp_verify');
      await repo.clearRateLimit(db, `account:${user.email.toLowerCase()}`);
      await audit.record(actor, { action: 'auth.totp_verify', actorLabel: user.email, subjectType: 'user', subjectId: user.id });
      return promote(session, user, actor);
    },

    /** A new secret for the user to scan; replaces any earlier unconfirmed one. */
    async startEnrolment(session: ResolvedSession) {
      if (session.user.totpEnabled) throw new AppError(409, 'totp_already_enabled');
      const secret = generateSecret();
      await repo.setUserFields(db, session.user.id, { totpPendingSecret: seal(config.secret, TOTP_SEAL, secret) });
      const otpauthUri = generateURI({ issuer: 'Kakehashi', label: session.user.email, secret });
      const qrDataUrl = await QRCode.toDataURL(otpauthUri, { margin: 1, width: 240, errorCorrectionLevel: 'M' });
      return { secret, otpauthUri, qrDataUrl };
    },

    async confirmEnrolment(session: ResolvedSession, actor: Actor, code: string) {
      const user = await repo.findUserById(db, session.user.id);
      if (!user || user.totpEnabledAt) throw new AppError(409, 'totp_already_enabled');
      if (!(await checkTotp(user, user.totpPendingSecret, code))) return failTotp(session, actor, 'auth.totp_enrol');
      await repo.setUserFields(db, user.id, { totpSecret: user.totpPendingSecret, totpPendingSecret: null, totpEnabledAt: new Date() });
      await audit.record(actor, { action: 'auth.totp_enrol', actorLabel: user.email, subjectType: 'user', subjectId: user.id });
      return promote(session, user, actor);
    },

    async signOut(session: ResolvedSession, actor: Actor) {
      await repo.deleteSession(db, session.id);
      await audit.record(actor, { action: 'auth.sign_out', actorLabel: session.user.email, subjectType: 'user', subjectId: session.user.id });
    },

    /** Always looks the same to the caller, whether or not the account exists. */
    async requestPasswordReset(actor: Actor, email: string) {
      const limit = await repo.hitRateLimit(db, `reset:${email.toLowerCase()}`, WINDOW_SECONDS);
      const user = await repo.findUserByEmail(db, email);
      const eligible = !!user && !user.disabledAt && limit.count <= 3;
      await audit.record(actor, {
        action: 'auth.password_reset_request',
        outcome: eligible ? 'allowed' : 'denied',
        actorLabel: email,
        subjectType: user ? 'user' : undefined,
        subjectId: user?.id,
      });
      if (!eligible) return;
      await this.sendPasswordLink(user, 'reset', isLocale(user.locale) ? user.locale : actor.locale);
    },

    /**
     * Queues an e-mail with a single-use link to set a password: a reset, or the invitation of a new
     * user. The outbox keeps no token: the worker makes one when it sends (mintPasswordLink).
     */
    async sendPasswordLink(user: repo.UserRow, purpose: 'reset' | 'invite', locale: Locale, tx: Db = db) {
      const url = `${config.publicUrl}/reset-password?token=${LINK_TOKEN}`;
      if (purpose === 'reset') {
        await mail.queue(user.email, locale, 'passwordReset', { name: user.name, url, minutes: RESET_MINUTES }, tx, { link: { kind: 'password_reset', userId: user.id } });
      } else {
        const role = translator(locale)(`roles.${user.role}`);
        await mail.queue(user.email, locale, 'invitation', { name: user.name, url, hours: INVITE_HOURS, role }, tx, { link: { kind: 'invitation', userId: user.id } });
      }
    },

    /** The token of a password link, made as its e-mail leaves; null when the user is gone or disabled. */
    async mintPasswordLink(userId: string, purpose: 'reset' | 'invite') {
      const user = await repo.findUserById(db, userId);
      if (!user || user.disabledAt) return null;
      const token = randomToken();
      const minutes = purpose === 'reset' ? RESET_MINUTES : INVITE_HOURS * 60;
      const id = await repo.insertPasswordToken(db, { userId, purpose, tokenHash: sha256(token), expiresAt: new Date(Date.now() + minutes * 60_000) });
      return { token, discard: () => repo.deletePasswordToken(db, id) };
    },

    async confirmPasswordReset(actor: Actor, token: string, password: string) {
      const used = await repo.consumePasswordToken(db, sha256(token));
      if (!used) {
        await audit.record(actor, { action: 'auth.password_reset', outcome: 'denied' });
        throw badRequest('reset_token_invalid');
      }
      // The user's other reset and invitation links die with this one.
      await repo.endPasswordTokensOf(db, used.userId);
      await repo.setUserFields(db, used.userId, { passwordHash: await hashPassword(password) });
      // Whoever knew the old password is signed out everywhere.
      await repo.deleteUserSessions(db, used.userId);
      await repo.clearRateLimit(db, `account:${(await repo.findUserById(db, used.userId))!.email.toLowerCase()}`);
      await audit.record(actor, { action: 'auth.password_reset', subjectType: 'user', subjectId: used.userId, details: { purpose: used.purpose } });
    },

    housekeeping: () => repo.deleteExpired(db),

    principalOf(session: ResolvedSession): Principal {
      return { kind: 'user', via: 'session', sessionId: session.id, csrfToken: session.csrfToken, user: session.user };
    },
  };
}
