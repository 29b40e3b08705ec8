import { generateSecret, generateURI, verify as verifyTotpCode } from 'otplib';
import QRCode from 'qrcode';
import type { AuditEventName, Locale, Role } from '@kakehashi/core';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { AuditService } from '../audit/service.ts';
import type { MailService } from '../notifications/service.ts';
import { LINK_TOKEN } from '../notifications/links.ts';
import { badRequest, conflict, invalidCredentials, rateLimited } from '../errors.ts';
import { translator, isLocale } from '../i18n.ts';
import { randomToken, seal, sha256, unseal } from './crypto.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { Actor, Principal, SessionUser } from './principal.ts';
import { reserveAttempt } from './rate-limit.ts';
import * as repo from './repo.ts';

const ACTIVE_HOURS = 12;
const IDLE_MINUTES = 120;
const PENDING_MINUTES = 10;
const RESET_MINUTES = 60;
const INVITE_HOURS = 72;
/**
 * Failed sign-ins allowed in each window of WINDOW_SECONDS. An account is locked per (account, address)
 * pair, so whoever guesses from one address locks only that address out, never the real user at hers.
 */
const PAIR_LIMIT = 5;
/** Per address across accounts: one address cannot try many accounts (a hospital's staff share one). */
const ADDRESS_LIMIT = 30;
/**
 * Per account across addresses, against guessing spread over many addresses: ten addresses' worth of
 * PAIR_LIMIT, far above what a person mistypes, and not applied from an address where the account
 * signed in within KNOWN_ADDRESS_SECONDS, so an attack from elsewhere does not lock her out at her own.
 */
const ACCOUNT_CEILING = 50;
const WINDOW_SECONDS = 15 * 60;
/** How long an address where the account signed in counts as hers (rate-limit rows are kept a day). */
const KNOWN_ADDRESS_SECONDS = 24 * 3600;
/** Second-step codes allowed per account in each window: only someone with the password can spend them. */
const SECOND_STEP_LIMIT = 5;
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

  /**
   * Counts a second-step attempt before its code is checked, so codes cannot be guessed, not even by
   * a burst of concurrent requests; a correct code gives its attempt back.
   */
  async function checkSecondStep(
    session: ResolvedSession,
    actor: Actor,
    action: AuditEventName,
    user: repo.UserRow | null,
    sealedSecret: string | null,
    code: string,
  ): Promise<repo.UserRow> {
    const denied = (details?: Record<string, unknown>) =>
      audit.record(db, actor, { action, outcome: 'denied', actorLabel: session.user.email, subjectType: 'user', subjectId: session.user.id, details });
    const attempt = await reserveAttempt(db, [{ key: `totp:${session.user.id}`, max: SECOND_STEP_LIMIT, windowSeconds: WINDOW_SECONDS }]);
    if (!attempt.ok) {
      await repo.deleteSession(db, session.id);
      await denied({ reason: 'rate_limited' });
      throw rateLimited(attempt.secondsLeft);
    }
    if (!user || !(await checkTotp(user, sealedSecret, code))) {
      await denied();
      throw badRequest('totp_invalid');
    }
    await attempt.release();
    return user;
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
      const account = email.toLowerCase();
      const address = actor.ip ?? 'unknown';
      const knownKey = `known-address:${account}|${address}`;
      const known = await repo.isRateKeyRecent(db, knownKey, KNOWN_ADDRESS_SECONDS);
      // Counted before the password is checked, so concurrent attempts cannot all slip under the limit.
      const attempt = await reserveAttempt(db, [
        { key: `address:${address}`, max: ADDRESS_LIMIT, windowSeconds: WINDOW_SECONDS },
        { key: `account-address:${account}|${address}`, max: PAIR_LIMIT, windowSeconds: WINDOW_SECONDS },
        ...(known ? [] : [{ key: `account:${account}`, max: ACCOUNT_CEILING, windowSeconds: WINDOW_SECONDS }]),
      ]);
      if (!attempt.ok) {
        await audit.record(db, actor, { action: 'auth.sign_in', outcome: 'denied', actorLabel: email, details: { reason: 'rate_limited' } });
        throw rateLimited(attempt.secondsLeft);
      }
      const user = await repo.findUserByEmail(db, email);
      const passwordOk = await verifyPassword(user?.passwordHash ?? null, password);
      const disabled = !!user && (!!user.disabledAt || (await repo.isInstitutionDisabled(db, user.institutionId)));
      if (!user || !passwordOk || disabled) {
        await audit.record(db, actor, {
          action: 'auth.sign_in',
          outcome: 'denied',
          actorLabel: email,
          subjectType: user ? 'user' : undefined,
          subjectId: user?.id,
          details: { reason: !user ? 'unknown_account' : disabled ? 'disabled' : 'wrong_password' },
        });
        throw invalidCredentials();
      }
      // Only failures stay counted: a whole hospital behind one address signs in many times a day.
      await attempt.release();
      await repo.touchRateKey(db, knownKey);
      if (previousSessionId) await repo.deleteSession(db, previousSessionId);
      const next = nextStep(user);
      const session = await newSession(user, next, actor);
      await audit.record(
        db,
        { ...actor, principal: null },
        { action: 'auth.sign_in', actorLabel: user.email, subjectType: 'user', subjectId: user.id, details: { next } },
      );
      return { ...session, next: next === 'active' ? ('done' as const) : next };
    },

    /** The session behind a cookie, or null when it is unknown, expired, idle too long, or its user or their institution disabled. */
    async resolveSession(token: string): Promise<ResolvedSession | null> {
      const id = sha256(token);
      const row = await repo.findLiveSession(db, id);
      if (!row || row.user.disabledAt || row.institutionDisabledAt) return null;
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
      const found = await repo.findUserById(db, session.user.id);
      const user = await checkSecondStep(session, actor, 'auth.totp_verify', found, found?.totpSecret ?? null, code);
      await audit.record(db, actor, { action: 'auth.totp_verify', actorLabel: user.email, subjectType: 'user', subjectId: user.id });
      return promote(session, user, actor);
    },

    /** A new secret for the user to scan; replaces any earlier unconfirmed one. */
    async startEnrolment(session: ResolvedSession) {
      if (session.user.totpEnabled) throw conflict('totp_already_enabled');
      const secret = generateSecret();
      await repo.setUserFields(db, session.user.id, { totpPendingSecret: seal(config.secret, TOTP_SEAL, secret) });
      const otpauthUri = generateURI({ issuer: 'Kakehashi', label: session.user.email, secret });
      const qrDataUrl = await QRCode.toDataURL(otpauthUri, { margin: 1, width: 240, errorCorrectionLevel: 'M' });
      return { secret, otpauthUri, qrDataUrl };
    },

    async confirmEnrolment(session: ResolvedSession, actor: Actor, code: string) {
      const user = await repo.findUserById(db, session.user.id);
      if (!user || user.totpEnabledAt) throw conflict('totp_already_enabled');
      await checkSecondStep(session, actor, 'auth.totp_enrol', user, user.totpPendingSecret, code);
      await repo.setUserFields(db, user.id, { totpSecret: user.totpPendingSecret, totpPendingSecret: null, totpEnabledAt: new Date() });
      await audit.record(db, actor, { action: 'auth.totp_enrol', actorLabel: user.email, subjectType: 'user', subjectId: user.id });
      return promote(session, user, actor);
    },

    async signOut(session: ResolvedSession, actor: Actor) {
      await repo.deleteSession(db, session.id);
      await audit.record(db, actor, { action: 'auth.sign_out', actorLabel: session.user.email, subjectType: 'user', subjectId: session.user.id });
    },

    /** Always looks the same to the caller, whether or not the account exists. */
    async requestPasswordReset(actor: Actor, email: string) {
      const limit = await repo.hitRateLimit(db, `reset:${email.toLowerCase()}`, WINDOW_SECONDS);
      const user = await repo.findUserByEmail(db, email);
      const eligible = !!user && !user.disabledAt && limit.count <= 3;
      await audit.record(db, actor, {
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
        const role = translator(locale)(`roles.${user.role as Role}`);
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
        await audit.record(db, actor, { action: 'auth.password_reset', outcome: 'denied' });
        throw badRequest('reset_token_invalid');
      }
      // The user's other reset and invitation links die with this one.
      await repo.endPasswordTokensOf(db, used.userId);
      await repo.setUserFields(db, used.userId, { passwordHash: await hashPassword(password) });
      // Whoever knew the old password is signed out everywhere.
      await repo.deleteUserSessions(db, used.userId);
      const account = (await repo.findUserById(db, used.userId))!.email.toLowerCase();
      await repo.clearRateLimits(db, [`account:${account}`, `totp:${used.userId}`], `account-address:${account}|`);
      await audit.record(db, actor, { action: 'auth.password_reset', subjectType: 'user', subjectId: used.userId, details: { purpose: used.purpose } });
    },

    housekeeping: () => repo.deleteExpired(db),

    /** Signs a user out everywhere (disabled, role changed, second step reset). */
    endSessions: (userId: string, tx: Db = db) => repo.deleteUserSessions(tx, userId),

    /** Signs out every member of an institution (it was disabled). */
    endInstitutionSessions: (institutionId: string, tx: Db = db) => repo.deleteInstitutionSessions(tx, institutionId),

    principalOf(session: ResolvedSession): Principal {
      return { kind: 'user', via: 'session', sessionId: session.id, csrfToken: session.csrfToken, user: session.user };
    },
  };
}
