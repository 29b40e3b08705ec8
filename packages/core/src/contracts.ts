import { z } from 'zod';
import type { Action } from './policy.ts';
import { errorBody, idParam } from './schemas/common.ts';
import {
  me,
  passwordResetConfirmBody,
  passwordResetRequestBody,
  signInBody,
  signInResult,
  totpEnrolment,
  totpVerifyBody,
  updateMeBody,
} from './schemas/auth.ts';
import {
  apiToken,
  apiTokenList,
  auditExportQuery,
  auditList,
  auditQuery,
  auditStatus,
  caseAuditList,
  caseAuditQuery,
  createApiTokenBody,
  createdApiToken,
  createInstitutionBody,
  createUserBody,
  institution,
  institutionList,
  outboxList,
  outboxMessage,
  outboxQuery,
  updateInstitutionBody,
  updateUserBody,
  user,
  userList,
  userListQuery,
} from './schemas/admin.ts';
import {
  acceptanceRule,
  acceptanceRuleBody,
  acceptanceRuleList,
  caseCreated,
  caseDetail,
  caseList,
  caseListQuery,
  caseMessage,
  caseMessageList,
  caseTransitionBody,
  consentQuery,
  consentVersion,
  departmentList,
  documentKindParam,
  documentRequestBody,
  documentUpdateBody,
  feeBody,
  feeSchedule,
  feeScheduleBody,
  feeScheduleList,
  guestLinkCreated,
  guestLinkSent,
  guestLinksRevoked,
  messageBody,
  portalLinkRequestBody,
  portalLinkSettings,
  publishConsentBody,
  screeningBody,
  staffCaseRequestBody,
  staffList,
  staffQuery,
  teamBody,
  withdrawBody,
  workQueues,
} from './schemas/cases.ts';
import {
  availability,
  availabilityBody,
  availabilityExceptionBody,
  cancelVisitBody,
  caseSchedule,
  changeRequestParam,
  declineChangeBody,
  teamCalendar,
  teamCalendarQuery,
  visitChangeRequestBody,
  exceptionParam,
  offerBody,
  offerParam,
  otherTimesBody,
  rescheduleBody,
  userParam,
  visitParam,
  visitUpdateBody,
} from './schemas/scheduling.ts';
import { hospitalLogoBody, hospitalSettings, hospitalSettingsBody } from './schemas/hospital.ts';
import { probeBytes, probeDownloadQuery, probeUploadResult } from './schemas/connection.ts';

/**
 * Who can call an operation, for the OpenAPI document (the policy table decides who may):
 * `public` needs nothing; `signing_in` the half-finished session of a sign-in; `staff` a session
 * (with the CSRF header on writes) or an API token; `guest` a guest link token; `staff_or_guest`
 * either; `open` anyone, staff included (the request form).
 */
export type Callers = 'public' | 'signing_in' | 'staff' | 'guest' | 'staff_or_guest' | 'open';

export interface RouteContract {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under /api/v1, with `:name` parameters. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  action: Action;
  callers: Callers;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Successful responses by status; error responses are added for every operation. */
  responses: Record<number, z.ZodType>;
}

const noContent = z.null();
const accepted = z.object({});

const contract = <C extends RouteContract>(c: C) => c;

/**
 * Every operation of the API, defined once: the server builds its routes from these (the handler is
 * all it adds), the OpenAPI document comes from them, and the web client types its calls with them.
 */
export const CONTRACTS = {
  getOpenApi: contract({ method: 'GET', path: '/openapi.json', operationId: 'getOpenApi', summary: 'This document', tag: 'reference', action: 'reference.read', callers: 'public', responses: { 200: z.record(z.string(), z.unknown()) } }),
  health: contract({ method: 'GET', path: '/health', operationId: 'health', summary: 'Whether the server and its database answer', tag: 'health', action: 'health.read', callers: 'public', responses: { 200: z.object({ status: z.enum(['ok', 'degraded']), db: z.enum(['ok', 'down']), version: z.string() }), 503: z.object({ status: z.enum(['ok', 'degraded']), db: z.enum(['ok', 'down']), version: z.string() }) } }),
  probeDownload: contract({ method: 'GET', path: '/connection/download', operationId: 'probeDownload', summary: 'Random bytes to measure the download speed to the hospital (the device check); never compressed or cached', tag: 'health', action: 'connection.probe', callers: 'public', query: probeDownloadQuery, responses: { 200: probeBytes } }),
  probeUpload: contract({ method: 'POST', path: '/connection/upload', operationId: 'probeUpload', summary: 'Accepts and discards bytes (application/octet-stream) to measure the upload speed to the hospital (the device check)', tag: 'health', action: 'connection.probe', callers: 'public', responses: { 200: probeUploadResult } }),

  // Sign-in and the caller's own profile
  signIn: contract({ method: 'POST', path: '/auth/sign-in', operationId: 'signIn', summary: 'Sign in with e-mail and password; the reply says which step comes next', tag: 'auth', action: 'auth.sign_in', callers: 'public', body: signInBody, responses: { 200: signInResult } }),
  verifyTotp: contract({ method: 'POST', path: '/auth/totp/verify', operationId: 'verifyTotp', summary: 'Second step of sign-in: the code from the authenticator app', tag: 'auth', action: 'auth.totp', callers: 'signing_in', body: totpVerifyBody, responses: { 200: signInResult } }),
  startTotpEnrolment: contract({ method: 'POST', path: '/auth/totp/enrolment', operationId: 'startTotpEnrolment', summary: 'Start setting up two-step verification: a new secret and its QR code', tag: 'auth', action: 'auth.totp', callers: 'signing_in', responses: { 200: totpEnrolment } }),
  confirmTotpEnrolment: contract({ method: 'POST', path: '/auth/totp/enrolment/confirm', operationId: 'confirmTotpEnrolment', summary: 'Finish setting up two-step verification with a first code', tag: 'auth', action: 'auth.totp', callers: 'signing_in', body: totpVerifyBody, responses: { 200: signInResult } }),
  signOut: contract({ method: 'POST', path: '/auth/sign-out', operationId: 'signOut', summary: 'End the session', tag: 'auth', action: 'auth.sign_out', callers: 'signing_in', responses: { 204: noContent } }),
  requestPasswordReset: contract({ method: 'POST', path: '/auth/password-reset', operationId: 'requestPasswordReset', summary: 'E-mail a link to set a new password (the answer is the same whether or not the account exists)', tag: 'auth', action: 'auth.password_reset', callers: 'public', body: passwordResetRequestBody, responses: { 202: accepted } }),
  confirmPasswordReset: contract({ method: 'POST', path: '/auth/password-reset/confirm', operationId: 'confirmPasswordReset', summary: 'Set a new password with the link’s token', tag: 'auth', action: 'auth.password_reset', callers: 'public', body: passwordResetConfirmBody, responses: { 204: noContent } }),
  getMe: contract({ method: 'GET', path: '/me', operationId: 'getMe', summary: 'The signed-in user', tag: 'auth', action: 'me.read', callers: 'staff', responses: { 200: me } }),
  updateMe: contract({ method: 'PATCH', path: '/me', operationId: 'updateMe', summary: 'Change the signed-in user’s language', tag: 'auth', action: 'me.update', callers: 'staff', body: updateMeBody, responses: { 200: me } }),

  // Administration
  listInstitutions: contract({ method: 'GET', path: '/institutions', operationId: 'listInstitutions', summary: 'Institutions: the hospital and its partners', tag: 'institutions', action: 'institution.list', callers: 'staff', responses: { 200: institutionList } }),
  createInstitution: contract({ method: 'POST', path: '/institutions', operationId: 'createInstitution', summary: 'Add an institution', tag: 'institutions', action: 'institution.create', callers: 'staff', body: createInstitutionBody, responses: { 201: institution } }),
  updateInstitution: contract({ method: 'PATCH', path: '/institutions/:id', operationId: 'updateInstitution', summary: 'Change or disable an institution', tag: 'institutions', action: 'institution.update', callers: 'staff', params: idParam, body: updateInstitutionBody, responses: { 200: institution } }),
  listUsers: contract({ method: 'GET', path: '/users', operationId: 'listUsers', summary: 'Users, searchable', tag: 'users', action: 'user.list', callers: 'staff', query: userListQuery, responses: { 200: userList } }),
  createUser: contract({ method: 'POST', path: '/users', operationId: 'createUser', summary: 'Add a user; without a password they are e-mailed an invitation', tag: 'users', action: 'user.create', callers: 'staff', body: createUserBody, responses: { 201: user } }),
  updateUser: contract({ method: 'PATCH', path: '/users/:id', operationId: 'updateUser', summary: 'Change a user’s name, role or institution, disable them or reset their two-step verification', tag: 'users', action: 'user.update', callers: 'staff', params: idParam, body: updateUserBody, responses: { 200: user } }),
  listTokens: contract({ method: 'GET', path: '/tokens', operationId: 'listTokens', summary: 'API tokens', tag: 'api tokens', action: 'token.list', callers: 'staff', responses: { 200: apiTokenList } }),
  createToken: contract({ method: 'POST', path: '/tokens', operationId: 'createToken', summary: 'Issue an API token acting as a user (the secret is shown once)', tag: 'api tokens', action: 'token.create', callers: 'staff', body: createApiTokenBody, responses: { 201: createdApiToken } }),
  revokeToken: contract({ method: 'POST', path: '/tokens/:id/revoke', operationId: 'revokeToken', summary: 'Revoke an API token', tag: 'api tokens', action: 'token.revoke', callers: 'staff', params: idParam, responses: { 200: apiToken } }),
  listOutbox: contract({ method: 'GET', path: '/outbox', operationId: 'listOutbox', summary: 'The e-mail outbox (audited: messages name patients)', tag: 'e-mail', action: 'outbox.read', callers: 'staff', query: outboxQuery, responses: { 200: outboxList } }),
  resendOutboxMessage: contract({ method: 'POST', path: '/outbox/:id/resend', operationId: 'resendOutboxMessage', summary: 'Send a failed or waiting message now, with a fresh retry period', tag: 'e-mail', action: 'outbox.resend', callers: 'staff', params: idParam, responses: { 200: outboxMessage } }),
  searchAudit: contract({ method: 'GET', path: '/audit', operationId: 'searchAudit', summary: 'Search the audit log (audited)', tag: 'audit', action: 'audit.read', callers: 'staff', query: auditQuery, responses: { 200: auditList } }),

  // Reference data and settings
  listDepartments: contract({ method: 'GET', path: '/departments', operationId: 'listDepartments', summary: 'Departments, named in the caller’s language', tag: 'reference', action: 'reference.read', callers: 'public', responses: { 200: departmentList } }),
  getCurrentConsent: contract({ method: 'GET', path: '/consent/current', operationId: 'getCurrentConsent', summary: 'The consent text in force, in one language', tag: 'consent', action: 'reference.read', callers: 'public', query: consentQuery, responses: { 200: consentVersion } }),
  publishConsent: contract({ method: 'POST', path: '/consent', operationId: 'publishConsent', summary: 'Publish a new version of the consent text in one language', tag: 'consent', action: 'consent.publish', callers: 'staff', body: publishConsentBody, responses: { 201: consentVersion } }),
  listAcceptanceRules: contract({ method: 'GET', path: '/settings/acceptance-rules', operationId: 'listAcceptanceRules', summary: 'The hospital’s acceptance rules for requests', tag: 'settings', action: 'settings.read', callers: 'staff', responses: { 200: acceptanceRuleList } }),
  createAcceptanceRule: contract({ method: 'POST', path: '/settings/acceptance-rules', operationId: 'createAcceptanceRule', summary: 'Add an acceptance rule', tag: 'settings', action: 'settings.edit', callers: 'staff', body: acceptanceRuleBody, responses: { 201: acceptanceRule } }),
  updateAcceptanceRule: contract({ method: 'PUT', path: '/settings/acceptance-rules/:id', operationId: 'updateAcceptanceRule', summary: 'Change or retire an acceptance rule', tag: 'settings', action: 'settings.edit', callers: 'staff', params: idParam, body: acceptanceRuleBody, responses: { 200: acceptanceRule } }),
  getPortalLinkSettings: contract({ method: 'GET', path: '/settings/portal-links', operationId: 'getPortalLinkSettings', summary: 'How long the portal links mailed to the patient side stay valid', tag: 'settings', action: 'settings.read', callers: 'staff', responses: { 200: portalLinkSettings } }),
  updatePortalLinkSettings: contract({ method: 'PUT', path: '/settings/portal-links', operationId: 'updatePortalLinkSettings', summary: 'Set how long portal links made from now on stay valid', tag: 'settings', action: 'settings.edit', callers: 'staff', body: portalLinkSettings, responses: { 200: portalLinkSettings } }),
  listFeeSchedules: contract({ method: 'GET', path: '/settings/fee-schedules', operationId: 'listFeeSchedules', summary: 'The fee schedule', tag: 'settings', action: 'settings.read', callers: 'staff', responses: { 200: feeScheduleList } }),
  createFeeSchedule: contract({ method: 'POST', path: '/settings/fee-schedules', operationId: 'createFeeSchedule', summary: 'Add a fee', tag: 'settings', action: 'settings.edit', callers: 'staff', body: feeScheduleBody, responses: { 201: feeSchedule } }),
  updateFeeSchedule: contract({ method: 'PUT', path: '/settings/fee-schedules/:id', operationId: 'updateFeeSchedule', summary: 'Change or retire a fee', tag: 'settings', action: 'settings.edit', callers: 'staff', params: idParam, body: feeScheduleBody, responses: { 200: feeSchedule } }),
  getHospital: contract({ method: 'GET', path: '/hospital', operationId: 'getHospital', summary: 'The hospital’s names, contact window and what patients should expect, in every language', tag: 'reference', action: 'reference.read', callers: 'public', responses: { 200: hospitalSettings } }),
  getHospitalLogo: contract({ method: 'GET', path: '/hospital/logo', operationId: 'getHospitalLogo', summary: 'The hospital’s logo (PNG or SVG)', tag: 'reference', action: 'reference.read', callers: 'public', query: z.object({ v: z.string().max(40).optional() }), responses: { 200: z.string().meta({ description: 'image/png or image/svg+xml' }) } }),
  updateHospitalSettings: contract({ method: 'PUT', path: '/settings/hospital', operationId: 'updateHospitalSettings', summary: 'Change the hospital’s names, contact window, reply-to address, expectations and payment instructions', tag: 'settings', action: 'settings.edit', callers: 'staff', body: hospitalSettingsBody, responses: { 200: hospitalSettings } }),
  setHospitalLogo: contract({ method: 'PUT', path: '/settings/hospital/logo', operationId: 'setHospitalLogo', summary: 'Replace or remove the hospital’s logo (PNG or SVG, at most 200 KB)', tag: 'settings', action: 'settings.edit', callers: 'staff', body: hospitalLogoBody, responses: { 200: hospitalSettings } }),
  listStaff: contract({ method: 'GET', path: '/staff', operationId: 'listStaff', summary: 'Staff who can be put on a case team', tag: 'case triage', action: 'staff.list', callers: 'staff', query: staffQuery, responses: { 200: staffList } }),

  // Cases
  submitCase: contract({ method: 'POST', path: '/cases', operationId: 'submitCase', summary: 'Request a second opinion: the public form without authentication, or staff on a patient’s behalf', tag: 'cases', action: 'case.create', callers: 'open', body: staffCaseRequestBody, responses: { 200: caseCreated, 201: caseCreated } }),
  getMyWork: contract({ method: 'GET', path: '/me/work', operationId: 'getMyWork', summary: 'The caller’s home work queues, from the cases they may see', tag: 'cases', action: 'case.list', callers: 'staff', responses: { 200: workQueues } }),
  listCases: contract({ method: 'GET', path: '/cases', operationId: 'listCases', summary: 'The cases the caller may see, filtered', tag: 'cases', action: 'case.list', callers: 'staff', query: caseListQuery, responses: { 200: caseList } }),
  getCase: contract({ method: 'GET', path: '/cases/:id', operationId: 'getCase', summary: 'A case, with what the caller may do on it', tag: 'cases', action: 'case.read', callers: 'staff_or_guest', params: idParam, responses: { 200: caseDetail } }),
  getPortalCase: contract({ method: 'GET', path: '/portal/case', operationId: 'getPortalCase', summary: 'The case a guest link opens', tag: 'portal', action: 'case.read', callers: 'guest', responses: { 200: caseDetail } }),
  createGuestLink: contract({ method: 'POST', path: '/cases/:id/guest-links', operationId: 'createGuestLink', summary: 'A new portal link for the patient side', tag: 'cases', action: 'guest_links.create', callers: 'staff', params: idParam, responses: { 201: guestLinkCreated } }),
  sendGuestLink: contract({ method: 'POST', path: '/cases/:id/guest-links/send', operationId: 'sendGuestLink', summary: 'E-mail the requester a new portal link (made when the message is sent)', tag: 'cases', action: 'guest_links.send', callers: 'staff', params: idParam, responses: { 202: guestLinkSent } }),
  requestPortalLink: contract({ method: 'POST', path: '/portal/link-requests', operationId: 'requestPortalLink', summary: 'Ask for a fresh portal link, sent to the address on file of each case still followed with this requester address (the answer is the same whether or not one exists)', tag: 'portal', action: 'portal_link.request', callers: 'open', body: portalLinkRequestBody, responses: { 202: accepted } }),
  revokeGuestLinks: contract({ method: 'POST', path: '/cases/:id/guest-links/revoke', operationId: 'revokeGuestLinks', summary: 'Every portal link of the case stops working', tag: 'cases', action: 'guest_links.revoke', callers: 'staff', params: idParam, responses: { 200: guestLinksRevoked } }),
  transitionCase: contract({ method: 'POST', path: '/cases/:id/status', operationId: 'transitionCase', summary: 'Move a case along its workflow, with a note', tag: 'cases', action: 'case.transition', callers: 'staff', params: idParam, body: caseTransitionBody, responses: { 200: caseDetail } }),
  screenCase: contract({ method: 'POST', path: '/cases/:id/screening', operationId: 'screenCase', summary: 'Record the screening against the acceptance rules; declining tells the requester', tag: 'case triage', action: 'case.screen', callers: 'staff', params: idParam, body: screeningBody, responses: { 200: caseDetail } }),
  setCaseDocument: contract({ method: 'PUT', path: '/cases/:id/documents/:kind', operationId: 'setCaseDocument', summary: 'Mark a document requested, received or missing', tag: 'case triage', action: 'case.documents', callers: 'staff', params: documentKindParam, body: documentUpdateBody, responses: { 200: caseDetail } }),
  requestCaseDocuments: contract({ method: 'POST', path: '/cases/:id/documents/request', operationId: 'requestCaseDocuments', summary: 'Ask the patient side for documents', tag: 'case triage', action: 'case.documents', callers: 'staff', params: idParam, body: documentRequestBody, responses: { 200: caseDetail } }),
  setCaseTeam: contract({ method: 'PUT', path: '/cases/:id/team', operationId: 'setCaseTeam', summary: 'Set the case’s department and team', tag: 'case triage', action: 'case.assign_team', callers: 'staff', params: idParam, body: teamBody, responses: { 200: caseDetail } }),
  setCaseFee: contract({ method: 'PUT', path: '/cases/:id/fee', operationId: 'setCaseFee', summary: 'Quote the fee and record its payment', tag: 'case triage', action: 'case.fee', callers: 'staff', params: idParam, body: feeBody, responses: { 200: caseDetail } }),
  listCaseMessages: contract({ method: 'GET', path: '/cases/:id/messages', operationId: 'listCaseMessages', summary: 'Messages between the hospital and the patient side', tag: 'case triage', action: 'case.messages_read', callers: 'staff_or_guest', params: idParam, responses: { 200: caseMessageList } }),
  postCaseMessage: contract({ method: 'POST', path: '/cases/:id/messages', operationId: 'postCaseMessage', summary: 'Write to the other side (they are told by e-mail, without the text)', tag: 'case triage', action: 'case.message', callers: 'staff_or_guest', params: idParam, body: messageBody, responses: { 201: caseMessage } }),
  withdrawConsent: contract({ method: 'POST', path: '/cases/:id/consent/withdraw', operationId: 'withdrawConsent', summary: 'The patient side withdraws consent', tag: 'case triage', action: 'consent.withdraw', callers: 'guest', params: idParam, body: withdrawBody, responses: { 200: caseDetail } }),

  // Scheduling
  getAvailability: contract({ method: 'GET', path: '/availability/:userId', operationId: 'getAvailability', summary: 'A staff member’s weekly hours and days off', tag: 'scheduling', action: 'availability.read', callers: 'staff', params: userParam, responses: { 200: availability } }),
  setAvailability: contract({ method: 'PUT', path: '/availability/:userId', operationId: 'setAvailability', summary: 'Replace a staff member’s weekly hours', tag: 'scheduling', action: 'availability.edit', callers: 'staff', params: userParam, body: availabilityBody, responses: { 200: availability } }),
  addAvailabilityException: contract({ method: 'POST', path: '/availability/:userId/exceptions', operationId: 'addAvailabilityException', summary: 'Add a day off or extra hours', tag: 'scheduling', action: 'availability.edit', callers: 'staff', params: userParam, body: availabilityExceptionBody, responses: { 201: availability } }),
  removeAvailabilityException: contract({ method: 'DELETE', path: '/availability/:userId/exceptions/:exceptionId', operationId: 'removeAvailabilityException', summary: 'Remove a day off or extra hours', tag: 'scheduling', action: 'availability.edit', callers: 'staff', params: exceptionParam, responses: { 200: availability } }),
  getCaseSchedule: contract({ method: 'GET', path: '/cases/:id/schedule', operationId: 'getCaseSchedule', summary: 'Offered times and the booked visit of a case', tag: 'scheduling', action: 'schedule.read', callers: 'staff_or_guest', params: idParam, responses: { 200: caseSchedule } }),
  offerTimes: contract({ method: 'POST', path: '/cases/:id/offers', operationId: 'offerTimes', summary: 'Offer times that suit the team; the requester is e-mailed', tag: 'scheduling', action: 'schedule.offer', callers: 'staff', params: idParam, body: offerBody, responses: { 200: caseSchedule } }),
  bookOffer: contract({ method: 'POST', path: '/cases/:id/offers/:offerId/book', operationId: 'bookOffer', summary: 'Book an offered time (the patient with a guest link, or a coordinator)', tag: 'scheduling', action: 'visit.book', callers: 'staff_or_guest', params: offerParam, responses: { 200: caseSchedule } }),
  requestOtherTimes: contract({ method: 'POST', path: '/cases/:id/offers/other-times', operationId: 'requestOtherTimes', summary: 'The patient side asks for other times', tag: 'scheduling', action: 'schedule.other_times', callers: 'guest', params: idParam, body: otherTimesBody, responses: { 204: noContent } }),
  getTeamCalendar: contract({ method: 'GET', path: '/cases/:id/team-calendar', operationId: 'getTeamCalendar', summary: 'The case team’s hours and other visits on given days (hospital time)', tag: 'scheduling', action: 'schedule.team_calendar', callers: 'staff', params: idParam, query: teamCalendarQuery, responses: { 200: teamCalendar } }),
  requestVisitChange: contract({ method: 'POST', path: '/cases/:id/visit-change-requests', operationId: 'requestVisitChange', summary: 'The patient side asks to move or cancel its booked visit; coordinators are e-mailed', tag: 'scheduling', action: 'visit.change_request', callers: 'guest', params: idParam, body: visitChangeRequestBody, responses: { 200: caseSchedule } }),
  declineVisitChange: contract({ method: 'POST', path: '/cases/:id/visit-change-requests/:requestId/decline', operationId: 'declineVisitChange', summary: 'Decline the patient side’s change request with a reply; the visit stays', tag: 'scheduling', action: 'visit.change_decline', callers: 'staff', params: changeRequestParam, body: declineChangeBody, responses: { 200: caseSchedule } }),
  updateVisit: contract({ method: 'PATCH', path: '/visits/:visitId', operationId: 'updateVisit', summary: 'Set the video service and joining link of a visit', tag: 'scheduling', action: 'visit.update', callers: 'staff', params: visitParam, body: visitUpdateBody, responses: { 200: caseSchedule } }),
  rescheduleVisit: contract({ method: 'POST', path: '/visits/:visitId/reschedule', operationId: 'rescheduleVisit', summary: 'Move a visit to another time', tag: 'scheduling', action: 'visit.reschedule', callers: 'staff', params: visitParam, body: rescheduleBody, responses: { 200: caseSchedule } }),
  cancelVisit: contract({ method: 'POST', path: '/visits/:visitId/cancel', operationId: 'cancelVisit', summary: 'Cancel a visit; the case waits for a new booking', tag: 'scheduling', action: 'visit.cancel', callers: 'staff', params: visitParam, body: cancelVisitBody, responses: { 200: caseSchedule } }),

  // The audit trail
  getCaseAudit: contract({ method: 'GET', path: '/cases/:id/audit', operationId: 'getCaseAudit', summary: 'Who opened or changed a case (and its visits), newest first (audited)', tag: 'audit', action: 'case.audit_read', callers: 'staff', params: idParam, query: caseAuditQuery, responses: { 200: caseAuditList } }),
  getAuditStatus: contract({ method: 'GET', path: '/audit/status', operationId: 'getAuditStatus', summary: 'The audit chain at a glance: newest seal, events not sealed yet, the checkpoint outside the database (audited)', tag: 'audit', action: 'audit.read', callers: 'staff', responses: { 200: auditStatus } }),
  exportAudit: contract({ method: 'GET', path: '/audit/export', operationId: 'exportAudit', summary: 'The audit log of a period as CSV for an auditor (UTF-8 with BOM), with the chain’s verification at export time (audited)', tag: 'audit', action: 'audit.export', callers: 'staff', query: auditExportQuery, responses: { 200: z.string().meta({ description: 'text/csv; charset=utf-8' }) } }),
} as const satisfies Record<string, RouteContract>;

export type ContractName = keyof typeof CONTRACTS;

/** The error body every operation may answer with, by status. */
export const ERROR_RESPONSES = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody, 429: errorBody } as const;
