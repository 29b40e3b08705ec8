import { z } from 'zod';
import { LOCALES } from '../i18n/locales.ts';
import { ROLES } from '../roles.ts';

export const email = z.email({ error: 'validation.email' }).max(254).transform((s) => s.trim().toLowerCase());
/** Passwords: long enough to resist guessing, short enough to hash cheaply. */
export const newPassword = z.string().min(12).max(200);
export const totpCode = z.string().regex(/^\d{6}$/);
export const locale = z.enum(LOCALES);

export const signInBody = z.object({ email, password: z.string().min(1).max(200) });
/** What the client must do next after a correct password. */
export const signInResult = z.object({
  next: z.enum(['done', 'totp', 'enrol_totp']),
  csrfToken: z.string(),
});
export const totpVerifyBody = z.object({ code: totpCode });
export const totpEnrolment = z.object({ secret: z.string(), otpauthUri: z.string(), qrDataUrl: z.string() });
export const passwordResetRequestBody = z.object({ email });
export const passwordResetConfirmBody = z.object({ token: z.string().min(10).max(200), password: newPassword });

export const me = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    institution: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    locale: locale.nullable(),
    totpEnabled: z.boolean(),
    totpRequired: z.boolean(),
    csrfToken: z.string().nullable(),
    via: z.enum(['session', 'token']),
  })
  .meta({ id: 'Me' });
export const updateMeBody = z.object({ locale: locale.nullable() });
