import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS } from '@kakehashi/core';
import { useTestApp } from '../../test/helpers.ts';

const t = useTestApp();

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

type Operation = { operationId?: string; summary?: string; security?: Record<string, string[]>[] };
type Document = {
  info: { license?: { identifier?: string } };
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, string>> };
};

/** Redocly's CLI, run as its own process on Node: an independent reading of the document. */
const REDOCLY = path.join(path.dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin/cli.js');
let dir: string;

async function lint(doc: unknown, name: string): Promise<{ errors: Problem[]; warnings: Problem[] }> {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  const run = promisify(execFile);
  // No telemetry, no update check: the test talks to nobody. Exit code 1 means errors, read from the report.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const args = [REDOCLY, 'lint', '--config', path.join(dir, 'redocly.yaml'), '--format', 'json', '--max-problems', '1000', file];
  const { stdout } = await run(process.execPath, args, { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const problems = (JSON.parse(stdout) as { problems: Problem[] }).problems;
  return { errors: problems.filter((p) => p.severity === 'error'), warnings: problems.filter((p) => p.severity === 'warn') };
}

const show = (problems: Problem[]) => problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`).join('\n');

function operations(doc: Document) {
  return Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${p}`, ...op })));
}
const byId = (doc: Document, id: string) => operations(doc).find((op) => op.operationId === id)!;

describe('the OpenAPI document', () => {
  let doc: Document;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kh-openapi-'));
    writeFileSync(path.join(dir, 'redocly.yaml'), 'extends:\n  - recommended\ntelemetry: off\n');
    const res = await t.app.inject({ url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes Redocly's recommended rules without an error", async () => {
    const { errors } = await lint(doc, 'openapi.json');
    expect(show(errors)).toBe('');
  });

  it('is linted for real: a planted undefined scheme and a duplicated operationId are errors', async () => {
    const broken = structuredClone(doc);
    broken.paths['/api/v1/health'].get.security = [{ nope: [] }];
    broken.paths['/api/v1/departments'].get.operationId = 'health';
    const { errors } = await lint(broken, 'broken.json');
    expect(errors.map((e) => e.ruleId)).toEqual(expect.arrayContaining(['security-defined', 'operation-operationId-unique']));
  });

  it('has an operationId and a summary for every operation, one operation per contract', () => {
    const ops = operations(doc);
    for (const op of ops) {
      expect(op.operationId, op.key).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary, op.key).toBeTruthy();
    }
    expect(ops.map((op) => op.operationId).sort()).toEqual(Object.values(CONTRACTS).map((c) => c.operationId).sort());
  });

  it('lets anyone call exactly the public operations (security: [])', () => {
    const open = operations(doc).filter((op) => Array.isArray(op.security) && op.security.length === 0).map((op) => op.operationId).sort();
    expect(open).toEqual(['confirmPasswordReset', 'getCurrentConsent', 'getHospital', 'getHospitalLogo', 'getOpenApi', 'health', 'listDepartments', 'probeDownload', 'probeUpload', 'requestPasswordReset', 'signIn', 'verifyReport']);
  });

  it('declares the request form open to anyone and to staff: an empty requirement, the session with CSRF, or a token', () => {
    const submit = byId(doc, 'submitCase');
    expect(submit.key).toBe('POST /api/v1/cases');
    expect(submit.security).toEqual([{}, { session: [], csrf: [] }, { bearer: [] }]);
  });

  it('names the guest scheme on exactly the operations a guest link may call', () => {
    const guest = operations(doc).filter((op) => op.security?.some((r) => 'guest' in r)).map((op) => op.operationId).sort();
    expect(guest).toEqual([
      'askFollowUpQuestion', 'bookOffer', 'cancelUpload', 'continueUpload', 'deleteCaseFile', 'getCase', 'getCaseSchedule', 'getCaseSurvey', 'getPortalCase',
      'getReplyLetterPdf', 'getReportLink', 'getReportPdf', 'getReportSharing', 'getReportSummary', 'getSharedDocuments', 'getSharedReportPdf', 'getUploadLink',
      'getUploadOffset', 'listCaseFiles', 'listCaseMessages', 'listCaseStudies', 'listFollowUpQuestions', 'postCaseMessage', 'requestOtherTimes',
      'requestVisitChange', 'saveSurveyDraft', 'setReportSharing', 'startUpload', 'submitSurvey', 'withdrawConsent',
      // DICOMweb: the patient's portal link opens its own case's images.
      'retrieveDicomFrames', 'retrieveDicomInstance', 'retrieveDicomInstanceMetadata', 'retrieveDicomSeries', 'retrieveDicomSeriesMetadata', 'retrieveDicomStudy',
      'retrieveDicomStudyMetadata', 'searchDicomInstances', 'searchDicomSeries', 'searchDicomStudies', 'searchDicomStudyInstances',
    ].sort());
    expect(byId(doc, 'getPortalCase').security).toEqual([{ guest: [] }]);
  });

  it('asks for the CSRF header on every write made with the session cookie', () => {
    expect(doc.components.securitySchemes.csrf).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie' });
    for (const op of operations(doc)) {
      const write = !op.key.startsWith('GET ');
      for (const requirement of op.security ?? []) {
        if ('session' in requirement) expect('csrf' in requirement, op.key).toBe(write);
      }
    }
  });

  it('names its server and the licence of the repository', () => {
    expect(doc.servers?.[0]?.url).toBe(t.config.publicUrl);
    const root = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../package.json', import.meta.url)), 'utf8')) as { license: string };
    expect(doc.info.license?.identifier).toBe(root.license);
  });
});
