import type { Locale } from '@kakehashi/core';
import { translator } from '../i18n.ts';

/** E-mail templates: each names its subject and body keys under `email.` in the catalogs. */
export const TEMPLATES = {
  passwordReset: 'email.passwordReset',
  invitation: 'email.invitation',
  caseReceived: 'email.caseReceived',
  portalLink: 'email.portalLink',
  documentsRequested: 'email.documentsRequested',
  caseDeclined: 'email.caseDeclined',
  newMessage: 'email.newMessage',
  staffNewMessage: 'email.staffNewMessage',
  consentWithdrawn: 'email.consentWithdrawn',
  slotsOffered: 'email.slotsOffered',
  visitInvitation: 'email.visitInvitation',
  visitChanged: 'email.visitChanged',
  visitCancelled: 'email.visitCancelled',
  visitCancelledFinal: 'email.visitCancelledFinal',
  visitReminder: 'email.visitReminder',
  staffVisit: 'email.staffVisit',
  otherTimesRequested: 'email.otherTimesRequested',
  visitRescheduleRequested: 'email.visitRescheduleRequested',
  visitCancelRequested: 'email.visitCancelRequested',
  visitChangeDeclined: 'email.visitChangeDeclined',
  staffNewRequest: 'email.staffNewRequest',
} as const;
export type TemplateName = keyof typeof TEMPLATES;

export function renderEmail(template: TemplateName, locale: Locale, vars: Record<string, unknown>) {
  const t = translator(locale);
  const base = TEMPLATES[template];
  return {
    subject: t(`${base}.subject`, vars),
    text: `${t(`${base}.body`, vars)}\n\n--\n${t('email.footer')}\n`,
  };
}
