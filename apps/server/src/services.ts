import path from 'node:path';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { createAuditLogService, createAuditService } from './audit/service.ts';
import { createCaseService } from './cases/service.ts';
import { createCaseSettingsService } from './cases/settings.ts';
import { createTriageService } from './cases/triage.ts';
import { createWorkService } from './cases/work.ts';
import { createAuthService } from './auth/service.ts';
import { createApiTokenService } from './auth/tokens.ts';
import { createGuestLinkService } from './auth/guest-links.ts';
import { createInstitutionService } from './institutions/service.ts';
import { createLinkMinter } from './notifications/links.ts';
import { createMailService } from './notifications/service.ts';
import { createSchedulingService } from './scheduling/service.ts';
import { createVisitRecordService } from './visit-records/service.ts';
import { createPatientWordsService } from './patient-words/service.ts';
import { createUserService } from './users/service.ts';
import { createGate } from './access/gate.ts';
import { createHospitalService } from './hospital/service.ts';
import { findCaseSubject, type CaseRow } from './cases/repo.ts';
import { findVisit } from './scheduling/repo.ts';
import { LocalBackend } from './storage/backend.ts';
import { createBlobStore } from './storage/blob-store.ts';
import { S3Backend } from './storage/s3.ts';
import { createRetentionService } from './storage/retention.ts';
import { keyring } from './storage/keys.ts';
import { createUploadService } from './uploads/service.ts';
import { createRecordsService } from './records/service.ts';
import { createDicomwebService } from './dicomweb/service.ts';
import { SealedStagingStore } from './uploads/staging.ts';
import { createUploadLinkService } from './uploads/links.ts';
import { createSurveyService } from './surveys/service.ts';
import { createIndicatorService } from './indicators/service.ts';
import { createReportService } from './reports/service.ts';
import { createFollowUpService } from './reports/follow-ups.ts';
import { createSharingService } from './reports/sharing.ts';
import { createFacts } from './stats/facts.ts';
import { createStatsService } from './stats/service.ts';
import { createPacsService } from './pacs/service.ts';
import { createMeasurementService } from './measurements/service.ts';

/** Wires each service with only what it uses. Shared by the HTTP app and the CLI. */
/** An upload not finished after this long is dropped (a large study over a slow link takes hours, rarely days). */
export const STAGING_DAYS = 14;

export function createServices(db: Db, config: Config, hooks: { onMailQueued?: () => void; onJobQueued?: () => void } = {}) {
  const audit = createAuditService(db, { secret: config.secret, dataDir: config.dataDir });
  const facts = createFacts({ db, timeZone: config.timeZone });
  const gate = createGate<CaseRow>({
    db,
    audit,
    afterCaseWrite: facts.refresh,
    subjects: {
      case: findCaseSubject,
      async visit(tx, id, userId) {
        const visit = await findVisit(tx, id);
        const found = visit && (await findCaseSubject(tx, visit.caseId, userId));
        return found ? { ...found, row: { visit, case: found.row } } : null;
      },
    },
  });
  const hospital = createHospitalService({ db, gate });
  const mail = createMailService(db, { gate, smtpConfigured: !!config.smtpUrl, onQueued: hooks.onMailQueued, sender: hospital.sender });
  const auth = createAuthService({ db, config, audit, mail });
  const guestLinks = createGuestLinkService({ db, secret: config.secret });
  // Scheduling needs cases; a case that leaves the journey needs scheduling to give up its visit.
  // A case closes only once its follow-up actions are done or waived (the visit records' service says).
  const cases = createCaseService({
    db,
    config,
    gate,
    mail,
    guestLinks,
    // A case that leaves the journey frees its visit; one whose consent is withdrawn ends the report's read links too.
    onLeft: async (tx, row) => {
      await scheduling.caseLeft(tx, row);
      await guestLinks.revokeAll(row.id, tx, 'case_report');
    },
    beforeClose: (tx, row, locale) => visitRecords.checkClosable(tx, row.id, locale),
  });
  const scheduling = createSchedulingService({ db, config, gate, mail, cases, hospital });
  const institutions = createInstitutionService({ gate, auth, cases });
  const keys = keyring(config.masterKey, config.previousMasterKeys);
  /** Encrypted files at rest, in the data folder or an S3 bucket. */
  const blobs = createBlobStore({ db, backend: config.s3 ? new S3Backend(config.s3) : new LocalBackend(path.join(config.dataDir, 'blobs')), keys });
  const records = createRecordsService({ gate, blobs });
  const dicomweb = createDicomwebService({ db, gate, blobs });
  const surveys = createSurveyService({ db, gate, cases, hospital, audit });
  const indicators = createIndicatorService({ gate, config });
  const reports = createReportService({ db, config, gate, cases, hospital, surveys, blobs });
  const visitRecords = createVisitRecordService({ db, config, gate, cases, scheduling, mail, audit });
  return {
    /** Makes the token of an e-mail's link as the outbox worker sends it. */
    links: createLinkMinter({ mintPasswordLink: auth.mintPasswordLink, mintPortalLink: cases.mintPortalLink, mintReportLink: guestLinks.tokenOf }),
    audit,
    /** The statistics' facts table, refreshed by the gate after every write on a case. */
    facts,
    auditLog: createAuditLogService({ gate, audit }),
    gate,
    mail,
    auth,
    tokens: createApiTokenService({ db, gate }),
    guestLinks,
    cases,
    triage: createTriageService({ gate, cases }),
    caseSettings: createCaseSettingsService({ gate }),
    scheduling,
    work: createWorkService({ gate, scheduling }),
    visitRecords,
    /** The patient's words (the request's medical text) and the interpreter's translations. */
    patientWords: createPatientWordsService({ gate }),
    institutions,
    hospital,
    users: createUserService({ db, gate, audit, auth, institutions }),
    blobs,
    /** Uploads into cases, and their bytes while they arrive (sealed, in the data folder). */
    uploads: createUploadService({ db, gate, limits: config.uploadLimits, onReceived: records.arrived, onQueued: hooks.onJobQueued }),
    records,
    /** DICOMweb (QIDO-RS, WADO-RS) over the cases' imaging, for viewers and PACS. */
    dicomweb,
    uploadLinks: createUploadLinkService({ gate, guestLinks, publicUrl: config.publicUrl }),
    staging: new SealedStagingStore({ directory: path.join(config.dataDir, 'staging'), keys, expirationMs: STAGING_DAYS * 86_400_000 }),
    uploadLimits: config.uploadLimits,
    /** The patient satisfaction survey of each case (sent, answered, reminded). */
    surveys,
    indicators,
    /** The second-opinion report: drafts, translations, signed PDFs, delivery and verification codes. */
    reports,
    followUps: createFollowUpService({ gate, cases, hospital }),
    /** The reply letter, the patient's consent to give it and the report to the primary doctor, and read links. */
    sharing: createSharingService({ config, gate, guestLinks, hospital, blobs, mail, signingIdentity: reports.signingIdentity }),
    /** Counts for the hospital's statistics, and the import of consultations from before the platform. */
    stats: createStatsService({ gate, hospital, config }),
    /** The hospital's PACS: destinations, the case's hospital patient ID, and exports of its images (each a job). */
    pacs: createPacsService({ gate, secret: config.secret, onQueued: hooks.onJobQueued }),
    /** Measurements saved from the viewer on a case's studies, for its team. */
    measurements: createMeasurementService({ gate }),
    /** What the retention job deleted, for administrators. */
    retention: createRetentionService({ gate, retentionDays: config.retentionDays }),
  };
}

export type Services = ReturnType<typeof createServices>;
