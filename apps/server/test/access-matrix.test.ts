import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseScope, CONTRACTS, decide, POLICY, sameInEveryLanguage, TEAM_ROLES, type Action, type PolicyPrincipal, type PolicySubject, type RouteContract, type Role } from '@kakehashi/core';
import { rowsOf } from '../src/db/client.ts';
import { measurements } from '../src/db/schema.ts';
import { finishFile, indexInstance, insertFile } from '../src/records/repo.ts';
import { readDicom } from '../src/records/dicom.ts';
import { buildCaseRequest, buildHospitalSettings, useTestApp } from './helpers.ts';

/**
 * The policy table against the real routes. For every operation and every kind of caller — each
 * role, members of the case's team and others, partners of the case's institution and of another,
 * the case's portal link and another case's, no one — the route is called and must do what the
 * table (packages/core/src/policy.ts) says: a refused call changes nothing and leaves one `denied`
 * event (no credentials: 401, counted, no event); an allowed call leaves its one event, `allowed`
 * (or `failed`, for work refused after the decision). A route without a contract, or a contract
 * without an example here, fails the suite.
 */
const t = useTestApp();

type Headers = Record<string, string>;
interface Caller {
  name: string;
  headers: Headers;
  principal: PolicyPrincipal;
  userId: string | null;
  /** Their role on the world's case team, if on it. */
  teamRole: Role | null;
}
interface CaseWorld {
  id: string;
  number: string;
  offers: string[];
  visitId: string | null;
  guestToken: string;
  changeRequestId: string | null;
  /** An upload under way into the case, started by the coordinator. */
  uploadId: string | null;
  /** An upload-request link for the case (it may send files, read nothing), and its token. */
  uploadLinkId: string;
  uploadToken: string;
  /** A stored file the coordinator sent, and a study held for the wrong-patient review, when asked for. */
  fileId: string | null;
  studyUid: string | null;
  /** Stored files of the case (a HEIC photo, and one image of a study), when the route needs them. */
  records?: { photoId: string; studyUid: string; seriesUid: string; measurementId: string };
  /** With the patient's consent to share, a reply letter and a read link for the primary doctor (its id and token), when asked for. */
  reportLinkId: string | null;
  reportToken: string | null;
}
interface Request {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Protocol headers (tus), and a body sent as it is. */
  headers?: Record<string, string>;
  raw?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** tus's creation request for a 3-byte file into the case. */
const tusStart = (caseId: string) => ({ 'tus-resumable': '1.0.0', 'upload-length': '3', 'upload-metadata': `caseId ${b64(caseId)},filename ${b64('report.pdf')}` });
const TUS = { 'tus-resumable': '1.0.0' };

const TZ_OFFSET_MS = 9 * 3_600_000;
let slot = 0;
/** A future half hour no other case of this file has used (the team is the same for every case). */
function nextSlot() {
  const n = slot++;
  const day = Math.floor(Date.now() / 86_400_000) * 86_400_000 - TZ_OFFSET_MS + (3 + Math.floor(n / 20)) * 86_400_000;
  return new Date(day + (2 + (n % 20)) * 3_600_000).toISOString();
}

let consentId = '';
let partnerInstitution = '';
let otherInstitution = '';
const callers: Caller[] = [];
const caller = (name: string) => callers.find((c) => c.name === name)!;
let otherCase: CaseWorld;
let spare: { tokenId: string; ruleId: string; feeId: string; exceptionId: string; messageId: string; pacsId: string };

async function api(method: string, url: string, headers: Headers, body?: unknown) {
  const res = await t.app.inject({ method: method as 'GET', url, headers, ...(body === undefined ? {} : { payload: body as object }) });
  if (res.statusCode >= 400 && headers.__expectOk) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res;
}
const ok = async (method: string, url: string, name: string, body?: unknown) => {
  const res = await t.app.inject({ method: method as 'GET', url, headers: caller(name).headers, ...(body === undefined ? {} : { payload: body as object }) });
  if (res.statusCode >= 400) throw new Error(`${method} ${url} as ${name}: ${res.statusCode} ${res.body}`);
  return res.json();
};

/**
 * A case through the partner institution, screened, with its team, ready to schedule, two times
 * offered; booked if asked, and with the patient side's pending change request if asked.
 */
async function newCase(book = false, changeRequested = false, upload = false, records = false, survey = false, report = false, sharing = false): Promise<CaseWorld> {
  const created = await ok('POST', '/api/v1/cases', 'coordinator', { ...buildCaseRequest({}, consentId), institutionId: partnerInstitution });
  const id = created.id as string;
  await ok('POST', `/api/v1/cases/${id}/screening`, 'coordinator', { eligibility: 'eligible' });
  await ok('PUT', `/api/v1/cases/${id}/team`, 'coordinator', {
    members: callers.filter((c) => c.teamRole).map((c) => ({ userId: c.userId, role: c.teamRole })),
  });
  await ok('POST', `/api/v1/cases/${id}/status`, 'coordinator', { to: 'ready_to_schedule' });
  const offered = await ok('POST', `/api/v1/cases/${id}/offers`, 'coordinator', { slots: [{ startsAt: nextSlot(), minutes: 30 }, { startsAt: nextSlot(), minutes: 30 }] });
  const offers = (offered.offers as { id: string }[]).map((o) => o.id);
  let visitId: string | null = null;
  if (book) visitId = (await ok('POST', `/api/v1/cases/${id}/offers/${offers[0]}/book`, 'coordinator')).visit.id;
  const link = await ok('POST', `/api/v1/cases/${id}/guest-links`, 'coordinator');
  let changeRequestId: string | null = null;
  if (changeRequested) {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/cases/${id}/visit-change-requests`, headers: { authorization: `Bearer ${link.token}` }, payload: { kind: 'cancel' } });
    if (res.statusCode !== 200) throw new Error(`change request: ${res.statusCode} ${res.body}`);
    changeRequestId = res.json().changeRequest.id;
  }
  let uploadId: string | null = null;
  if (upload) {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: { ...caller('coordinator').headers, ...tusStart(id) } });
    if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${res.body}`);
    uploadId = res.headers.location!.split('/').pop()!;
  }
  if (survey) await ok('POST', `/api/v1/cases/${id}/survey/open`, 'coordinator');
  if (report) {
    // The original (Japanese) signed, the English translation marked ready, the Chinese one a draft.
    await ok('PUT', `/api/v1/cases/${id}/report/original`, 'physician', { language: 'ja', version: 0, content: REPORT_CONTENT });
    await ok('POST', `/api/v1/cases/${id}/report/texts/ja/sign`, 'physician', { version: 1 });
    await ok('PUT', `/api/v1/cases/${id}/report/translations/en`, 'interpreter', { version: 0, content: REPORT_CONTENT });
    await ok('POST', `/api/v1/cases/${id}/report/translations/en/ready`, 'interpreter', { version: 1 });
    await ok('PUT', `/api/v1/cases/${id}/report/translations/zh-CN`, 'interpreter', { version: 0, content: REPORT_CONTENT });
    // The report is delivered: the patient side has asked its first follow-up question.
    const asked = await t.app.inject({ method: 'POST', url: `/api/v1/cases/${id}/report/follow-ups`, headers: { authorization: `Bearer ${link.token}` }, payload: { question: '追加问题（测试）' } });
    if (asked.statusCode !== 201) throw new Error(`follow-up question: ${asked.statusCode} ${asked.body}`);
  }
  let reportLink: { id: string; url: string } | null = null;
  if (sharing) {
    const given = await t.app.inject({ method: 'PUT', url: `/api/v1/cases/${id}/report-sharing`, headers: { authorization: `Bearer ${link.token}` }, payload: { given: true } });
    if (given.statusCode !== 200) throw new Error(`consent: ${given.statusCode} ${given.body}`);
    await ok('POST', `/api/v1/cases/${id}/reply-letter`, 'physician', REPLY_LETTER);
    reportLink = await ok('POST', `/api/v1/cases/${id}/report-links`, 'coordinator', { days: 7, passcode: REPORT_PASSCODE, label: 'Dr Li (matrix test)', locale: 'zh-CN' });
  }
  const uploadLink = await ok('POST', `/api/v1/cases/${id}/upload-links`, 'coordinator', { locale: 'zh-CN', note: '请发送 CT 影像（测试）' });
  let fileId: string | null = null;
  let studyUid: string | null = null;
  if (records) {
    // As the ingest job leaves them (records/ingest.test.ts runs it): a stored file, a held study.
    const upload = `matrix${randomUUID().replaceAll('-', '')}`;
    await t.db.execute(sql`insert into uploads (id, case_id, user_id, filename, size, status) values (${upload}, ${id}, ${caller('coordinator').userId}, 'report.pdf', 3, 'received')`);
    fileId = rowsOf<{ id: string }>(
      await t.db.execute(sql`insert into case_files (case_id, upload_id, filename, size, sha256, kind, status) values (${id}, ${upload}, 'report.pdf', 3, ${randomUUID()}, 'pdf', 'stored') returning id`),
    )[0].id;
    studyUid = `1.2.826.0.1.${Date.now()}.${slot}`;
    await t.db.execute(sql`insert into dicom_studies (case_id, study_instance_uid, patient_name, review, review_check) values (${id}, ${studyUid}, 'Other^Patient', 'held', '{"result":"mismatch","differs":["name"]}')`);
  }
  return {
    id,
    number: created.number,
    offers,
    visitId,
    guestToken: link.token,
    changeRequestId,
    uploadId,
    uploadLinkId: uploadLink.id,
    uploadToken: uploadLink.url.split('#')[1],
    fileId,
    studyUid,
    reportLinkId: reportLink?.id ?? null,
    reportToken: reportLink?.url.split('#')[1] ?? null,
  };
}

/**
 * One valid request per operation, in a fresh world: what an allowed caller sends must get past
 * validation, so the only thing left to refuse it is the policy.
 */
const EXAMPLES: Record<string, ((w: CaseWorld) => Request) | 'public'> = {
  getOpenApi: 'public',
  health: 'public',
  probeDownload: 'public',
  probeUpload: 'public',
  signIn: 'public',
  verifyTotp: 'public',
  startTotpEnrolment: 'public',
  confirmTotpEnrolment: 'public',
  signOut: 'public',
  requestPasswordReset: 'public',
  requestPortalLink: 'public',
  confirmPasswordReset: 'public',
  listDepartments: 'public',
  getCurrentConsent: 'public',
  getMe: () => ({}),
  updateMe: () => ({ body: { locale: 'en' } }),
  listInstitutions: () => ({}),
  listPacsDestinations: () => ({}),
  createPacsDestination: () => ({ body: { name: `Matrix PACS ${randomUUID().slice(0, 6)} (test)`, url: 'https://pacs.example.org/dicom-web', authKind: 'bearer', secret: 'matrix-token', patientIdMode: 'case_number', issuer: 'KAKEHASHI' } }),
  updatePacsDestination: () => ({ params: { id: spare.pacsId }, body: { issuer: 'MATRIX' } }),
  setHospitalPatientId: (w) => ({ params: { id: w.id }, body: { id: 'H-000001', issuer: 'MATRIX-HOSP' } }),
  // The destination sends the images as they are (no hospital patient ID needed); a second allowed caller gets the export under way.
  sendToPacs: (w) => ({ params: { id: w.id }, body: { destinationId: spare.pacsId, studyInstanceUid: w.records!.studyUid } }),
  listPacsExports: (w) => ({ params: { id: w.id } }),
  listMeasurements: (w) => ({ params: { id: w.id, studyUid: w.records!.studyUid } }),
  saveMeasurements: (w) => ({
    params: { id: w.id, studyUid: w.records!.studyUid },
    body: { items: [{ seriesInstanceUid: w.records!.seriesUid, sopInstanceUid: `${w.records!.seriesUid}.1`, frame: 1, kind: 'length', points: [[0, 0, 0], [10, 0, 0]], values: { length: 10, unit: 'mm' }, label: 'matrix' }] },
  }),
  // The world's measurement has no author: the managers delete it (the first allowed caller is the administrator); after it, not found.
  deleteMeasurement: (w) => ({ params: { id: w.id, measurementId: w.records!.measurementId } }),
  createInstitution: () => ({ body: { name: `Matrix Partner ${randomUUID().slice(0, 6)} (Test)`, country: 'CN', kind: 'partner' } }),
  updateInstitution: () => ({ params: { id: otherInstitution }, body: { mouStatus: 'negotiating' } }),
  listUsers: () => ({}),
  createUser: () => ({ body: { email: `matrix-${randomUUID().slice(0, 8)}@example.org`, name: 'Matrix User Test', role: 'nurse', password: 'a long matrix test passphrase' } }),
  updateUser: () => ({ params: { id: caller('nurse').userId! }, body: { name: 'Nurse Other Test' } }),
  listTokens: () => ({}),
  createToken: () => ({ body: { userId: caller('analyst').userId, name: 'matrix' } }),
  revokeToken: () => ({ params: { id: spare.tokenId } }),
  listOutbox: () => ({}),
  listRetentionRuns: () => ({}),
  getIndicators: () => ({ query: { year: '2026' } }),
  setIndicatorPlan: () => ({ params: { year: '2026', code: 'trainees' }, body: { planned: 30 } }),
  setIndicatorActual: () => ({ params: { year: '2026', code: 'case_conferences' }, body: { actual: 3, note: 'Held online (matrix test)' } }),
  resendOutboxMessage: () => ({ params: { id: spare.messageId } }),
  searchAudit: () => ({ query: { pageSize: '5' } }),
  publishConsent: () => ({ body: { locale: 'en', body: 'Consent text for the access matrix (test).' } }),
  listAcceptanceRules: () => ({}),
  createAcceptanceRule: () => ({ body: { text: { ja: '規則（テスト）', 'zh-CN': '规则（测试）', en: 'Rule (test)' } } }),
  updateAcceptanceRule: () => ({ params: { id: spare.ruleId }, body: { text: { ja: '規則（テスト）', 'zh-CN': '规则（测试）', en: 'Rule (test)' } } }),
  listFeeSchedules: () => ({}),
  getPortalLinkSettings: () => ({}),
  updatePortalLinkSettings: () => ({ body: { linkDays: 30 } }),
  createFeeSchedule: () => ({ body: { name: sameInEveryLanguage('Matrix fee (test)'), minutes: 30, amount: 1000 } }),
  updateFeeSchedule: () => ({ params: { id: spare.feeId }, body: { name: sameInEveryLanguage('Matrix fee (test)'), minutes: 30, amount: 2000 } }),
  getHospital: 'public',
  getHospitalLogo: 'public',
  updateHospitalSettings: () => ({ body: buildHospitalSettings() }),
  setHospitalLogo: () => ({ body: { logo: null } }),
  listStaff: () => ({}),
  submitCase: () => ({ body: buildCaseRequest({}, consentId) }),
  listCases: () => ({}),
  getMyWork: () => ({}),
  getCase: (w) => ({ params: { id: w.id } }),
  getPortalCase: () => ({}),
  createGuestLink: (w) => ({ params: { id: w.id } }),
  sendGuestLink: (w) => ({ params: { id: w.id } }),
  revokeGuestLinks: (w) => ({ params: { id: w.id } }),
  transitionCase: (w) => ({ params: { id: w.id }, body: { to: 'awaiting_records', note: 'matrix' } }),
  screenCase: (w) => ({ params: { id: w.id }, body: { eligibility: 'eligible' } }),
  setCaseDocument: (w) => ({ params: { id: w.id, kind: 'pathology_report' }, body: { status: 'received' } }),
  requestCaseDocuments: (w) => ({ params: { id: w.id }, body: { kinds: ['imaging'] } }),
  setCaseTeam: (w) => ({ params: { id: w.id }, body: { members: callers.filter((c) => c.teamRole).map((c) => ({ userId: c.userId, role: c.teamRole })) } }),
  setCaseFee: (w) => ({ params: { id: w.id }, body: { amount: 110000, currency: 'JPY', paymentStatus: 'quoted' } }),
  listCaseMessages: (w) => ({ params: { id: w.id } }),
  postCaseMessage: (w) => ({ params: { id: w.id }, body: { body: 'A message (matrix test)' } }),
  withdrawConsent: (w) => ({ params: { id: w.id }, body: {} }),
  startUpload: (w) => ({ headers: tusStart(w.id) }),
  listCaseFiles: (w) => ({ params: { id: w.id } }),
  listCaseStudies: (w) => ({ params: { id: w.id } }),
  deleteCaseFile: (w) => ({ params: { id: w.id, fileId: w.fileId! } }),
  acceptCaseFiles: (w) => ({ params: { id: w.id } }),
  reviewCaseStudy: (w) => ({ params: { id: w.id, studyUid: w.studyUid! }, body: { decision: 'confirm', reason: 'The same patient: the referring hospital wrote the old spelling (test).' } }),
  createUploadLink: (w) => ({ params: { id: w.id }, body: { days: 30, locale: 'ja', note: 'CT 画像をお送りください（テスト）', passcode: 'kakehashi-123' } }),
  listUploadLinks: (w) => ({ params: { id: w.id } }),
  extendUploadLink: (w) => ({ params: { id: w.id, linkId: w.uploadLinkId }, body: { days: 60 } }),
  revokeUploadLink: (w) => ({ params: { id: w.id, linkId: w.uploadLinkId } }),
  getUploadLink: () => ({}),
  getUploadOffset: (w) => ({ params: { id: w.uploadId! }, headers: TUS }),
  // An empty piece at offset 0: valid for every caller in turn, whatever the others sent.
  continueUpload: (w) => ({ params: { id: w.uploadId! }, headers: { ...TUS, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, raw: '' }),
  cancelUpload: (w) => ({ params: { id: w.uploadId! }, headers: TUS }),
  getCaseFileContent: (w) => ({ params: { id: w.id, fileId: w.records!.photoId }, query: { download: '1' } }),
  getCaseFilePreview: (w) => ({ params: { id: w.id, fileId: w.records!.photoId } }),
  downloadStudy: (w) => ({ params: { id: w.id, studyUid: w.records!.studyUid } }),
  downloadSeries: (w) => ({ params: { id: w.id, studyUid: w.records!.studyUid, seriesUid: w.records!.seriesUid } }),
  searchDicomStudies: () => ({ query: { ModalitiesInStudy: 'CT' } }),
  searchDicomSeries: (w) => ({ params: { studyUid: w.records!.studyUid } }),
  searchDicomStudyInstances: (w) => ({ params: { studyUid: w.records!.studyUid } }),
  searchDicomInstances: (w) => ({ params: { studyUid: w.records!.studyUid, seriesUid: w.records!.seriesUid } }),
  retrieveDicomStudy: (w) => ({ params: { studyUid: w.records!.studyUid } }),
  retrieveDicomSeries: (w) => ({ params: { studyUid: w.records!.studyUid, seriesUid: w.records!.seriesUid } }),
  retrieveDicomInstance: (w) => ({ params: { studyUid: w.records!.studyUid, seriesUid: w.records!.seriesUid, instanceUid: `${w.records!.seriesUid}.1` } }),
  retrieveDicomStudyMetadata: (w) => ({ params: { studyUid: w.records!.studyUid } }),
  retrieveDicomSeriesMetadata: (w) => ({ params: { studyUid: w.records!.studyUid, seriesUid: w.records!.seriesUid } }),
  retrieveDicomInstanceMetadata: (w) => ({ params: { studyUid: w.records!.studyUid, seriesUid: w.records!.seriesUid, instanceUid: `${w.records!.seriesUid}.1` } }),
  retrieveDicomFrames: (w) => ({ params: { studyUid: w.records!.studyUid, seriesUid: w.records!.seriesUid, instanceUid: `${w.records!.seriesUid}.1`, frames: '1' } }),
  getAvailability: () => ({ params: { userId: caller('physician').userId! } }),
  setAvailability: () => ({ params: { userId: caller('physician').userId! }, body: WHOLE_WEEK }),
  addAvailabilityException: () => ({ params: { userId: caller('physician').userId! }, body: { date: '2099-01-05', available: false } }),
  removeAvailabilityException: () => ({ params: { userId: caller('physician').userId!, exceptionId: spare.exceptionId } }),
  getCaseSchedule: (w) => ({ params: { id: w.id } }),
  offerTimes: (w) => ({ params: { id: w.id }, body: { slots: [{ startsAt: nextSlot(), minutes: 30 }] } }),
  bookOffer: (w) => ({ params: { id: w.id, offerId: w.offers[1] } }),
  requestOtherTimes: (w) => ({ params: { id: w.id }, body: { note: '' } }),
  updateVisit: (w) => ({ params: { visitId: w.visitId! }, body: { provider: 'zoom', joinUrl: 'https://example.org/j/1' } }),
  rescheduleVisit: (w) => ({ params: { visitId: w.visitId! }, body: { startsAt: nextSlot(), minutes: 30 } }),
  cancelVisit: (w) => ({ params: { visitId: w.visitId! }, body: {} }),
  getTeamCalendar: (w) => ({ params: { id: w.id }, query: { dates: new Date().toISOString().slice(0, 10) } }),
  requestVisitChange: (w) => ({ params: { id: w.id }, body: { kind: 'reschedule', note: '' } }),
  declineVisitChange: (w) => ({ params: { id: w.id, requestId: w.changeRequestId! }, body: { reply: '' } }),
  // Based on "nothing recorded yet": the first allowed caller saves, the others are told it changed meanwhile (409).
  getVisitRecord: (w) => ({ params: { visitId: w.visitId! } }),
  saveVisitRecord: (w) => ({ params: { visitId: w.visitId! }, body: { version: 0, held: true, attendance: { team: [], patient: true, family: false, interpreter: false }, doctorNotes: 'Explained the options (matrix test).' } }),
  getCaseClassification: (w) => ({ params: { id: w.id } }),
  saveCaseClassification: (w) => ({ params: { id: w.id }, body: { version: 0, subject: 'treatment', outcomes: ['new_treatment_view'] } }),
  getPatientWords: (w) => ({ params: { id: w.id } }),
  // Into Japanese (the case's request is in Chinese), based on "no translation yet".
  savePatientWordsTranslation: (w) => ({ params: { id: w.id, language: 'ja' }, body: { version: 0, diagnosis: '肺腺癌（テスト）', questions: '手術は可能ですか（テスト）' } }),
  getCaseAudit: (w) => ({ params: { id: w.id } }),
  getCaseSurvey: (w) => ({ params: { id: w.id } }),
  openSurvey: (w) => ({ params: { id: w.id } }),
  saveSurveyDraft: (w) => ({ params: { id: w.id }, body: { purpose: 2, understanding: null, satisfaction: null, nurse: ['nurse_not_needed'], comment: '' } }),
  submitSurvey: (w) => ({ params: { id: w.id }, body: { purpose: 1, understanding: 2, satisfaction: 1, nurse: [], comment: 'Thank you (test).' } }),
  getCaseReport: (w) => ({ params: { id: w.id } }),
  // Based on "no report yet": the physician saves; no one else may.
  saveReportOriginal: (w) => ({ params: { id: w.id }, body: { language: 'ja', version: 0, content: REPORT_CONTENT } }),
  saveReportTranslation: (w) => ({ params: { id: w.id, language: 'zh-CN' }, body: { version: 1, content: REPORT_CONTENT } }),
  markReportTranslationReady: (w) => ({ params: { id: w.id, language: 'zh-CN' }, body: { version: 1 } }),
  signReport: (w) => ({ params: { id: w.id, language: 'en' }, body: { version: 2 } }),
  amendReport: (w) => ({ params: { id: w.id }, body: { reason: 'Corrected a date (matrix test).' } }),
  getReportPdf: (w) => ({ params: { id: w.id }, query: { lang: 'ja' } }),
  getReportSummary: (w) => ({ params: { id: w.id } }),
  verifyReport: 'public',
  listFollowUpQuestions: (w) => ({ params: { id: w.id } }),
  askFollowUpQuestion: (w) => ({ params: { id: w.id }, body: { question: '第二个问题（测试）' } }),
  answerFollowUpQuestion: (w) => ({ params: { id: w.id, number: '1' }, body: { question: 'A follow-up (matrix test)?', answer: 'An answer (matrix test).' } }),
  translateFollowUpQuestion: (w) => ({ params: { id: w.id, number: '1' }, body: { language: 'en', text: 'A follow-up (matrix test)?', version: 1 } }),
  getReportSharing: (w) => ({ params: { id: w.id } }),
  setReportSharing: (w) => ({ params: { id: w.id }, body: { given: true } }),
  getReplyLetter: (w) => ({ params: { id: w.id } }),
  // The report's original (Japanese) is signed: the physician writes the letter; no one else may.
  writeReplyLetter: (w) => ({ params: { id: w.id }, body: REPLY_LETTER }),
  getReplyLetterPdf: (w) => ({ params: { id: w.id } }),
  getSharedDocuments: (w) => ({ params: { id: w.id } }),
  getReportLink: () => ({}),
  getSharedReportPdf: (w) => ({ params: { id: w.id }, query: { lang: 'ja' } }),
  createReportLink: (w) => ({ params: { id: w.id }, body: { days: 7, passcode: REPORT_PASSCODE, label: 'Dr Li (matrix test)', locale: 'en' } }),
  listReportLinks: (w) => ({ params: { id: w.id } }),
  revokeReportLink: (w) => ({ params: { id: w.id, linkId: w.reportLinkId! } }),
  getAuditStatus: () => ({}),
  exportAudit: () => ({ query: { from: new Date().toISOString().slice(0, 10), to: new Date().toISOString().slice(0, 10) } }),
  getConsultationStats: () => ({ query: { from: '2020-01-01', to: '2020-12-31', by: 'department,month' } }),
  getSurveyStats: () => ({ query: { from: '2020-01-01', to: '2020-12-31' } }),
  getTimeStats: () => ({ query: { from: '2020-01-01', to: '2020-12-31' } }),
  getStatsSummary: () => ({ query: { from: '2020-01-01', to: '2020-12-31', locale: 'zh-CN' } }),
  // The same number each time: a second allowed caller's import updates the first's.
  importConsultations: () => ({ headers: { 'content-type': 'text/csv' }, raw: 'case_number,requested_on,department\r\nMATRIX-HIST-1,2020-01-15,hematology\r\n' }),
};
const VISIT_ROUTES = new Set(['updateVisit', 'rescheduleVisit', 'cancelVisit', 'requestVisitChange', 'getVisitRecord', 'saveVisitRecord']);
/** Routes that answer the patient side's pending change request. */
const CHANGE_ROUTES = new Set(['declineVisitChange']);
const UPLOAD_ROUTES = new Set(['getUploadOffset', 'continueUpload', 'cancelUpload']);
/** Routes that act on a case's stored file or held study. */
const RECORD_ROUTES = new Set(['deleteCaseFile', 'reviewCaseStudy']);
/** Routes that answer a case's survey: it is opened first. */
const SURVEY_ROUTES = new Set(['saveSurveyDraft', 'submitSurvey']);
/** Routes that act on a case's report: it is written, its original signed, translations under way. */
const REPORT_ROUTES = new Set(['saveReportTranslation', 'markReportTranslationReady', 'signReport', 'amendReport', 'getReportPdf', 'getReportSummary', 'listFollowUpQuestions', 'askFollowUpQuestion', 'answerFollowUpQuestion', 'translateFollowUpQuestion', 'writeReplyLetter']);
/** Routes that give the report to the primary doctor: the patient consented, the letter is written, a read link made. */
const SHARING_ROUTES = new Set(['getReplyLetterPdf', 'getSharedDocuments', 'getReportLink', 'getSharedReportPdf', 'createReportLink', 'revokeReportLink']);
const REPLY_LETTER = { language: 'ja', recipient: { name: '李 テスト 先生', institution: 'Example People’s Hospital (Test)', department: '腫瘍内科' }, date: '2026-12-06', note: '' };
const REPORT_PASSCODE = 'matrix-letter-1';
const REPORT_CONTENT = { caseSummary: 'Patient 王 Test (matrix test).', questions: [], diagnosisOpinion: 'Agrees with the diagnosis (matrix test).', treatmentOpinion: '', recommendations: '', discussWithPrimaryDoctor: '' };
/** Routes that read (or send to a PACS, or measure) a case's stored files or studies. */
const DOWNLOAD_ROUTES = new Set([
  'getCaseFileContent',
  'getCaseFilePreview',
  'downloadStudy',
  'downloadSeries',
  'sendToPacs',
  ...['listMeasurements', 'saveMeasurements', 'deleteMeasurement'],
  ...['searchDicomSeries', 'searchDicomStudyInstances', 'searchDicomInstances', 'retrieveDicomStudy', 'retrieveDicomSeries', 'retrieveDicomInstance'],
  ...['retrieveDicomStudyMetadata', 'retrieveDicomSeriesMetadata', 'retrieveDicomInstanceMetadata', 'retrieveDicomFrames'],
]);

/** A file stored in the case as the ingest job leaves one (records/ingest.ts). */
async function storeFile(caseId: string, bytes: Buffer, filename: string, kind: string) {
  const blobId = randomUUID();
  const { sha256 } = await t.app.services.blobs.put(blobId, Readable.from([bytes]));
  const file = await insertFile(t.db, { caseId, filename, relativePath: filename, size: bytes.length });
  await finishFile(t.db, file.id, { status: 'stored', blobId, sha256, kind });
  return file.id;
}
/** A HEIC photo, and one image (pydicom's real MR sample) filed under a study and series of its own, in the world's case. */
async function storeRecords(w: CaseWorld): Promise<CaseWorld> {
  const photoId = await storeFile(w.id, readFileSync(new URL('fixtures/photo.heic', import.meta.url)), 'photo.heic', 'heic');
  const n = createHash('sha256').update(w.id).digest().readUInt32BE(0);
  const image = readFileSync('/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm');
  const { frameRanges } = await readDicom(async (start, end) => image.subarray(start, end), image.length);
  const fileId = await storeFile(w.id, image, 'IM0001', 'dicom');
  const [studyUid, seriesUid] = [`1.2.826.0.1.3680043.2.1125.9.${n}`, `1.2.826.0.1.3680043.2.1125.9.${n}.1`];
  await indexInstance(t.db, {
    caseId: w.id,
    fileId,
    study: { uid: studyUid, date: '20260101', description: null, accessionNumber: null, patient: { name: 'Test^Matrix', id: null, birthDate: null, sex: null } },
    series: { uid: seriesUid, number: 1, description: null, modality: 'CT', bodyPart: null },
    instance: { sopInstanceUid: `${seriesUid}.1`, sopClassUid: null, transferSyntaxUid: '1.2.840.10008.1.2.1', instanceNumber: 1, imagePosition: null, imageOrientation: null, rows: 64, columns: 64, frames: 1, frameRanges, bigEndian: false, deflated: false },
  }, async () => ({ state: 'ok', check: { result: 'match', differs: [] } }));
  // A measurement saved on it (by no one still known).
  const [measured] = await t.db.insert(measurements).values({ caseId: w.id, studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, sopInstanceUid: `${seriesUid}.1`, frame: 1, kind: 'length', points: [[0, 0, 0], [5, 0, 0]], values: { length: 5 } }).returning();
  return { ...w, records: { photoId, studyUid, seriesUid, measurementId: measured!.id } };
}
const WHOLE_WEEK = { timeZone: 'Asia/Tokyo', rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })) };

function urlOf(c: RouteContract, r: Request) {
  const path = c.path.replace(/:(\w+)/g, (_, k: string) => r.params?.[k] ?? `missing-${k}`);
  const query = r.query ? `?${new URLSearchParams(r.query)}` : '';
  return `/api/v1${path}${query}`;
}

/** Everything but the audit log, counters and sessions, as one digest: a refused call must not change it. */
async function fingerprint(): Promise<string> {
  const tables = rowsOf<{ name: string }>(
    await t.db.execute(sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'
      and table_name not in ('audit_events', 'audit_seals', 'denied_requests', 'rate_limits', 'sessions') order by 1`),
  ).map((r) => r.name);
  const parts: string[] = [];
  for (const name of tables) {
    const [row] = rowsOf<{ d: string }>(
      await t.db.execute(sql.raw(`select coalesce(md5(string_agg(md5((to_jsonb(x) - 'last_used_at')::text), ',' order by md5((to_jsonb(x) - 'last_used_at')::text))), '') as d from "${name}" x`)),
    );
    parts.push(`${name}:${row.d}`);
  }
  return parts.join('|');
}
const lastEventId = async () => Number(rowsOf<{ id: string | null }>(await t.db.execute(sql`select max(id) as id from audit_events`))[0].id ?? 0);
const eventsAfter = async (id: number) =>
  rowsOf<{ action: string; outcome: string; actor_user_id: string | null; actor_label: string | null }>(
    await t.db.execute(sql`select action, outcome, actor_user_id, actor_label from audit_events where id > ${id} order by id`),
  );
const deniedCount = async (action: string) =>
  Number(rowsOf<{ n: string | null }>(await t.db.execute(sql`select sum(count) as n from denied_requests where action = ${action}`))[0].n ?? 0);

function expectedAllowed(action: Action, c: Caller, w: CaseWorld, operation: string): boolean {
  // The portal opens the case of the caller's own link: any portal link, and no one else.
  if (operation === 'getPortalCase') return c.principal?.kind === 'guest' && c.principal.scope === 'case_portal';
  // An upload-request link opens its own page: any such link, and no one else.
  if (operation === 'getUploadLink') return c.principal?.kind === 'guest' && c.principal.scope === 'case_upload';
  // A read link opens its own page: any such link, and no one else.
  if (operation === 'getReportLink') return c.principal?.kind === 'guest' && c.principal.scope === 'case_report';
  // Lists: whoever has a scope of cases (a portal link searches its own case's images).
  if (action === 'case.list' || action === 'dicomweb.search') return caseScope(action, c.principal) !== null;
  const kind = POLICY[action].subject;
  let facts: PolicySubject = {};
  if (kind === 'case' || kind === 'visit') facts = { caseId: w.id, caseInstitutionId: partnerInstitution, teamRole: c.teamRole };
  if (kind === 'user') facts = { userId: caller('physician').userId! };
  return decide(action, c.principal, facts);
}

beforeAll(async () => {
  const admin = await t.user({ role: 'admin', name: 'Admin Matrix Test' });
  const adminToken = (await t.app.services.tokens.issue(admin.id, 'matrix', null)).secret;
  const asAdmin = { authorization: `Bearer ${adminToken}`, __expectOk: '1' };
  partnerInstitution = (await api('POST', '/api/v1/institutions', asAdmin, { name: 'Matrix Partner Hospital (Test)', country: 'CN', kind: 'partner' })).json().id;
  otherInstitution = (await api('POST', '/api/v1/institutions', asAdmin, { name: 'Other Partner Hospital (Test)', country: 'CN', kind: 'partner' })).json().id;
  consentId = (await api('POST', '/api/v1/consent', asAdmin, { locale: 'zh-CN', body: '同意书（测试）' })).json().id;

  const people: { name: string; role: Role; team?: boolean; institutionId?: string }[] = [
    { name: 'coordinator', role: 'coordinator' },
    { name: 'physician', role: 'physician', team: true },
    { name: 'nurse', role: 'nurse', team: true },
    { name: 'interpreter', role: 'interpreter', team: true },
    { name: 'physician:other', role: 'physician' },
    { name: 'nurse:other', role: 'nurse' },
    { name: 'counsellor', role: 'counsellor' },
    { name: 'psycho_oncologist', role: 'psycho_oncologist' },
    { name: 'hotline_operator', role: 'hotline_operator' },
    { name: 'analyst', role: 'analyst' },
    { name: 'partner:own', role: 'partner', institutionId: partnerInstitution },
    { name: 'partner:other', role: 'partner', institutionId: otherInstitution },
  ];
  callers.push({ name: 'admin', headers: { authorization: `Bearer ${adminToken}` }, principal: { kind: 'user', userId: admin.id, role: 'admin', institutionId: null }, userId: admin.id, teamRole: null });
  for (const p of people) {
    const u = await t.user({ role: p.role, institutionId: p.institutionId ?? null, name: `${p.name} Test` });
    const token = (await t.app.services.tokens.issue(u.id, 'matrix', null)).secret;
    callers.push({
      name: p.name,
      headers: { authorization: `Bearer ${token}` },
      principal: { kind: 'user', userId: u.id, role: p.role, institutionId: p.institutionId ?? null },
      userId: u.id,
      teamRole: p.team && (TEAM_ROLES as readonly string[]).includes(p.role) ? p.role : null,
    });
  }
  callers.push({ name: 'anonymous', headers: {}, principal: null, userId: null, teamRole: null });
  await ok('PUT', `/api/v1/availability/${caller('physician').userId}`, 'physician', WHOLE_WEEK);

  otherCase = await newCase(false, false, false, false, false, true, true);
  spare = {
    tokenId: (await t.app.services.tokens.issue(caller('hotline_operator').userId!, 'spare', null)).id,
    ruleId: (await ok('POST', '/api/v1/settings/acceptance-rules', 'admin', { text: { ja: '規則', 'zh-CN': '规则', en: 'Rule' } })).id,
    feeId: (await ok('POST', '/api/v1/settings/fee-schedules', 'admin', { name: sameInEveryLanguage('Spare fee (test)'), minutes: 30, amount: 500 })).id,
    exceptionId: (await ok('POST', `/api/v1/availability/${caller('physician').userId}/exceptions`, 'physician', { date: '2099-02-02', available: false })).exceptions[0].id,
    messageId: (await ok('GET', '/api/v1/outbox?pageSize=1', 'admin')).items[0].id,
    pacsId: (await ok('POST', '/api/v1/pacs-destinations', 'admin', { name: 'Spare PACS (test)', url: 'https://pacs.example.org/dicom-web', authKind: 'none', patientIdMode: 'keep' })).id,
  };
  // A message the mail server gave up on, for an administrator to send again.
  await t.db.execute(sql`update jobs set status = 'failed', attempts = 3 where id = ${spare.messageId}`);
}, 120_000);

describe('the access matrix', () => {
  it('has a contract, with a policy action, for every API route, and an example for every contract', () => {
    const contracts = Object.values(CONTRACTS) as RouteContract[];
    // Fastify answers HEAD for every GET by itself: only a HEAD route of its own needs a contract.
    const api = t.app.routeTable.filter((r) => r.url.startsWith('/api/v1') && (r.method !== 'HEAD' || !t.app.routeTable.some((g) => g.method === 'GET' && g.url === r.url)));
    for (const r of api) {
      const c = contracts.find((x) => x.method === r.method && `/api/v1${x.path}` === r.url);
      expect(c, `${r.method} ${r.url} has no contract`).toBeDefined();
      expect(r.action, `${r.method} ${r.url} has no policy action`).toBe(c!.action);
    }
    expect(api).toHaveLength(contracts.length);
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(CONTRACTS).sort());
  });

  for (const [name, contract] of Object.entries(CONTRACTS) as [string, RouteContract][]) {
    const example = EXAMPLES[name];
    if (example === 'public' || !example) continue;
    it(`${contract.method} ${contract.path} (${contract.action}) does what the policy says for every caller`, async () => {
      const sharing = SHARING_ROUTES.has(name);
      const built = await newCase(VISIT_ROUTES.has(name) || CHANGE_ROUTES.has(name), CHANGE_ROUTES.has(name), UPLOAD_ROUTES.has(name), RECORD_ROUTES.has(name), SURVEY_ROUTES.has(name), REPORT_ROUTES.has(name) || sharing, sharing);
      const w = DOWNLOAD_ROUTES.has(name) ? await storeRecords(built) : built;
      const guests: Caller[] = [
        { name: 'guest:own', headers: { authorization: `Bearer ${w.guestToken}` }, principal: null, userId: null, teamRole: null },
        { name: 'guest:other', headers: { authorization: `Bearer ${otherCase.guestToken}` }, principal: null, userId: null, teamRole: null },
      ];
      guests[0].principal = { kind: 'guest', scope: 'case_portal', subjectId: w.id };
      guests[1].principal = { kind: 'guest', scope: 'case_portal', subjectId: otherCase.id };
      guests.push(
        { name: 'upload:own', headers: { authorization: `Bearer ${w.uploadToken}` }, principal: { kind: 'guest', scope: 'case_upload', subjectId: w.id }, userId: null, teamRole: null },
        { name: 'upload:other', headers: { authorization: `Bearer ${otherCase.uploadToken}` }, principal: { kind: 'guest', scope: 'case_upload', subjectId: otherCase.id }, userId: null, teamRole: null },
        { name: 'report:other', headers: { authorization: `Bearer ${otherCase.reportToken}`, 'x-link-passcode': REPORT_PASSCODE }, principal: { kind: 'guest', scope: 'case_report', subjectId: otherCase.id }, userId: null, teamRole: null },
      );
      // A read link of this case where it has one (the world was built with the consent to share).
      if (w.reportToken) guests.push({ name: 'report:own', headers: { authorization: `Bearer ${w.reportToken}`, 'x-link-passcode': REPORT_PASSCODE }, principal: { kind: 'guest', scope: 'case_report', subjectId: w.id }, userId: null, teamRole: null });
      const everyone = [...callers, ...guests];
      const action = contract.action;
      const audited = POLICY[action].audit !== 'none';
      // Refused callers first, while the world is as built; then the allowed, the first of whom must succeed.
      const ordered = [...everyone.filter((c) => !expectedAllowed(action, c, w, name)), ...everyone.filter((c) => expectedAllowed(action, c, w, name))];
      expect(ordered.some((c) => expectedAllowed(action, c, w, name)), 'someone may take the action').toBe(true);
      let firstAllowed = true;
      for (const c of ordered) {
        const allowed = expectedAllowed(action, c, w, name);
        const req = example(w);
        const before = { event: await lastEventId(), print: allowed ? '' : await fingerprint(), counted: await deniedCount(action) };
        const res = await api(contract.method, urlOf(contract, req), { ...c.headers, ...req.headers, ...(req.body === undefined ? {} : { 'content-type': 'application/json' }) }, req.body ?? req.raw);
        const events = (await eventsAfter(before.event)).filter((e) => e.action === action);
        const label = `${c.name} → ${contract.method} ${contract.path}: ${res.statusCode} ${res.body.slice(0, 200)}`;
        if (!allowed) {
          expect(await fingerprint(), `${label}: a refused call changed something`).toBe(before.print);
          if (c.principal === null) {
            expect(res.statusCode, label).toBe(401);
            expect(events, label).toHaveLength(0);
            expect(await deniedCount(action), `${label}: not counted`).toBe(before.counted + 1);
          } else {
            expect([403, 404], label).toContain(res.statusCode);
            expect(events.map((e) => e.outcome), label).toEqual(['denied']);
          }
        } else {
          expect([401, 403], label).not.toContain(res.statusCode);
          if (audited) {
            expect(events.map((e) => e.outcome), label).toHaveLength(1);
            expect(['allowed', 'failed'], label).toContain(events[0].outcome);
            if (res.statusCode === 404) expect(events[0].outcome, label).toBe('failed');
          } else {
            expect(res.statusCode, label).toBeLessThan(400);
          }
          if (firstAllowed) expect(res.statusCode, `${label}: the first allowed caller must succeed`).toBeLessThan(300);
          firstAllowed = false;
        }
      }
    });
  }
});
