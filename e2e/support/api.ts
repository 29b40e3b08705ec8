import { randomUUID } from 'node:crypto';
import { request, type APIRequestContext } from '@playwright/test';
import type { Locale, Role } from '@kakehashi/core';
import { DEMO, DEMO_PASSWORD, adminStatePath, baseURL } from './env.ts';
import { hasSecret, nextCode, rememberSecret } from './totp.ts';

async function json<T>(res: Awaited<ReturnType<APIRequestContext['get']>>, what: string): Promise<T> {
  if (!res.ok()) throw new Error(`${what}: HTTP ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Signs a user in through the API, enrolling TOTP the first time (the secret is remembered for
 * later sign-ins through the UI or the API). Returns the CSRF token of the new session.
 */
export async function apiSignIn(ctx: APIRequestContext, email: string, password = DEMO_PASSWORD): Promise<string> {
  const first = await json<{ next: string; csrfToken: string }>(
    await ctx.post('/api/v1/auth/sign-in', { data: { email, password } }),
    `sign-in ${email}`,
  );
  let csrf = first.csrfToken;
  if (first.next === 'enrol_totp') {
    const enrol = await json<{ secret: string }>(
      await ctx.post('/api/v1/auth/totp/enrolment', { headers: { 'X-CSRF-Token': csrf } }),
      'TOTP enrolment',
    );
    rememberSecret(email, enrol.secret);
    const done = await json<{ csrfToken: string }>(
      await ctx.post('/api/v1/auth/totp/enrolment/confirm', { headers: { 'X-CSRF-Token': csrf }, data: { code: await nextCode(email) } }),
      'TOTP enrolment confirm',
    );
    csrf = done.csrfToken;
  } else if (first.next === 'totp') {
    if (!hasSecret(email)) throw new Error(`${email} has TOTP on, but this run does not know the secret`);
    const done = await json<{ csrfToken: string }>(
      await ctx.post('/api/v1/auth/totp/verify', { headers: { 'X-CSRF-Token': csrf }, data: { code: await nextCode(email) } }),
      'TOTP verify',
    );
    csrf = done.csrfToken;
  }
  return csrf;
}

/** Run once by global-setup: the admin's session cookie, for `test.use({ storageState })`. */
export async function signInAdminForState(path: string) {
  const ctx = await request.newContext({ baseURL: baseURL() });
  try {
    await apiSignIn(ctx, DEMO.admin);
    await ctx.storageState({ path });
  } finally {
    await ctx.dispose();
  }
}

export interface Institution {
  id: string;
  name: string;
  kind: 'own' | 'partner';
}
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}

/** The administrator, through the API: factories for the data a test needs. */
export class AdminApi {
  private constructor(
    private readonly ctx: APIRequestContext,
    private readonly csrf: string,
  ) {}

  static async open(): Promise<AdminApi> {
    const ctx = await request.newContext({ baseURL: baseURL(), storageState: adminStatePath() });
    const me = await json<{ csrfToken: string }>(await ctx.get('/api/v1/me'), 'GET /me as admin');
    return new AdminApi(ctx, me.csrfToken);
  }

  dispose() {
    return this.ctx.dispose();
  }

  async institutions(): Promise<Institution[]> {
    return (await json<{ items: Institution[] }>(await this.ctx.get('/api/v1/institutions'), 'list institutions')).items;
  }

  async institutionNamed(name: string): Promise<Institution> {
    const found = (await this.institutions()).find((i) => i.name === name);
    if (!found) throw new Error(`No institution named ${name}`);
    return found;
  }

  /** A fresh user with a known password; unique e-mail so tests never share accounts. */
  async buildUser(overrides: Partial<{ role: Role; name: string; institutionId: string | null; locale: Locale | null }> = {}): Promise<User & { password: string }> {
    const role = overrides.role ?? 'nurse';
    const institutionId =
      overrides.institutionId !== undefined
        ? overrides.institutionId
        : (await this.institutionNamed(role === 'partner' ? DEMO.partnerInstitution : DEMO.ownInstitution)).id;
    const tag = randomUUID().slice(0, 8);
    const body = {
      email: `e2e-${role}-${tag}@example.org`,
      name: overrides.name ?? `E2E ${role} ${tag}`,
      role,
      institutionId,
      locale: overrides.locale ?? null,
      password: DEMO_PASSWORD,
    };
    const res = await this.ctx.post('/api/v1/users', { data: body, headers: { 'X-CSRF-Token': this.csrf } });
    return { ...(await json<User>(res, 'create user')), password: DEMO_PASSWORD };
  }

  /** Any API call as the administrator (a manager of cases too). */
  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, data?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.ctx.fetch(`/api/v1${path}`, { method, data, headers: { ...headers, 'X-CSRF-Token': this.csrf } });
    return json<T>(res, `${method} ${path}`);
  }

  async createToken(userId: string, name: string): Promise<{ secret: string }> {
    const res = await this.ctx.post('/api/v1/tokens', { data: { userId, name }, headers: { 'X-CSRF-Token': this.csrf } });
    return json(res, 'create token');
  }
}
