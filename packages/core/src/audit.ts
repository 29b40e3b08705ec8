import { ACTIONS, type Action } from './policy.ts';

/**
 * Events the server writes outside the gate under names that are not policy actions: the steps of
 * a sign-in (their own outcome decides), a password reset asked for, the log re-anchored after a
 * restore, and the survey's reminder sent by its job. The other events written outside the gate (sign-in, sign-out, a user or token made on the
 * command line) carry their policy action's name.
 */
export const SERVER_EVENTS = ['auth.totp_verify', 'auth.totp_enrol', 'auth.password_reset_request', 'audit.anchor', 'retention.delete', 'survey.remind', 'follow_up.remind', 'case.pacs_export'] as const;

/** Every name an audit event can carry. */
export type AuditEventName = Action | (typeof SERVER_EVENTS)[number];
export const AUDIT_EVENT_NAMES: readonly AuditEventName[] = [...ACTIONS, ...SERVER_EVENTS];

/** The catalog key naming an event in words: `audit.actions.` and the event's name (its dots nest). */
export const auditActionKey = (name: string) => `audit.actions.${name}`;

/**
 * The number of the case an event is about: `details.case` (the gate writes it for every event on
 * a case or a visit), or, for a case's creation, the number it was given (`details.number`).
 */
export function auditCaseNumber(e: { subjectType: string | null; details: Record<string, unknown> | null }): string | null {
  const d = e.details ?? {};
  if (typeof d.case === 'string') return d.case;
  return e.subjectType === 'case' && typeof d.number === 'string' ? d.number : null;
}
