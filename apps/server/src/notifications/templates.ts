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
  surveyOpened: 'email.surveyOpened',
  surveyReminder: 'email.surveyReminder',
  reportReady: 'email.reportReady',
  staffFollowUpQuestion: 'email.staffFollowUpQuestion',
  reportAmended: 'email.reportAmended',
  reportLink: 'email.reportLink',
  followUpDue: 'email.followUpDue',
} as const;
export type TemplateName = keyof typeof TEMPLATES;

/** Who an e-mail comes from, as the footer names them (hospital/service.ts); nulls where nothing is set. */
export interface EmailSender {
  name: string | null;
  department: string | null;
  replyTo: string | null;
  contact: { email: string; phone: string; fax: string; hours: string };
}

/** The footer of every e-mail: who sent it and how to reach them, then whether a reply reaches anyone. */
function footer(t: ReturnType<typeof translator>, sender: EmailSender): string {
  const name = sender.name ?? t('common.appName');
  const c = sender.contact;
  const lines = [
    sender.department ? t('hospital.nameAndDepartment', { name, department: sender.department }) : name,
    c.email && t('hospital.email.contactEmail', { value: c.email }),
    c.phone && t('hospital.email.contactPhone', { value: c.phone }),
    c.fax && t('hospital.email.contactFax', { value: c.fax }),
    c.hours && t('hospital.email.contactHours', { value: c.hours }),
    sender.replyTo ? t('hospital.email.replyWelcome') : t('hospital.email.noReply'),
  ];
  return lines.filter(Boolean).join('\n');
}

export function renderEmail(template: TemplateName, locale: Locale, vars: Record<string, unknown>, sender: EmailSender) {
  const t = translator(locale);
  const base = TEMPLATES[template];
  const all = { hospital: sender.name ?? t('common.appName'), ...vars };
  return {
    subject: t(`${base}.subject`, all),
    text: `${t(`${base}.body`, all)}\n\n--\n${footer(t, sender)}\n`,
  };
}
