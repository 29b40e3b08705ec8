import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { normalizeVerificationCode, type Locale, type ReportContent, type reportAmendBody, type reportOriginalBody, type reportTranslationBody } from '@kakehashi/core';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import { reserveAttempt } from '../auth/rate-limit.ts';
import { historyActorOf, type CaseRow, type CaseService } from '../cases/service.ts';
import type { HospitalService } from '../hospital/service.ts';
import type { SurveyService } from '../surveys/service.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { conflict, DomainError, forbidden, rateLimited } from '../errors.ts';
import { isLocale, translator } from '../i18n.ts';
import { letterheadFor } from './letterhead.ts';
import { renderReportPdf } from './pdf.ts';
import { demoSigningIdentity, readSigningIdentity, type SigningIdentity } from './sign.ts';
import { newVerificationCode, verificationUrl } from './verification.ts';
import { startNextVersion } from './versions.ts';
import * as repo from './repo.ts';

/** Checks of a verification code per address and minute: a person typing codes from paper, not a script trying them. */
export const VERIFY_PER_MINUTE = 30;

export type ReportService = ReturnType<typeof createReportService>;

/** The signed-in staff member acting (reports are written by people, never by a token's program alone). */
export function userIdOf(actor: Actor) {
  const p = actor.principal;
  if (p?.kind !== 'user') throw forbidden();
  return p.user.id;
}

/**
 * The second-opinion report of a case (docs/architecture.md, "The report"): the physician writes the
 * original, an interpreter translates it, the physician signs each language (the original first, a
 * translation once marked ready). A signed text never changes; an amendment is a new version whose
 * drafts start from the signed texts. Signing stores the signed PDF and gives it a verification code;
 * the first signature the patient side can read delivers the report.
 */
export function createReportService(deps: {
  db: Db;
  config: Pick<Config, 'dataDir' | 'publicUrl' | 'timeZone' | 'signing' | 'letterhead'>;
  gate: Gate<CaseRow>;
  cases: CaseService;
  hospital: HospitalService;
  surveys: Pick<SurveyService, 'openFor'>;
  blobs: BlobStore;
}) {
  const { db, config, gate, cases, hospital, surveys, blobs } = deps;

  let identity: Promise<SigningIdentity> | null = null;
  /** The configured key and certificate, else the demo's own (made once, named after the hospital). */
  const signingIdentity = (hospitalName: string) =>
    (identity ??= config.signing ? Promise.resolve(readSigningIdentity(config.signing)) : demoSigningIdentity(config.dataDir, hospitalName));

  async function view(tx: Db, caseId: string) {
    const report = await repo.findReport(tx, caseId);
    if (!report) return { caseId, originalLanguage: null, currentVersion: 0, amendmentReason: null, deliveredAt: null, texts: [] };
    const texts = await repo.listTexts(tx, caseId, report.currentVersion);
    const names = await repo.userNames(
      tx,
      texts.flatMap((t) => [t.writtenBy, t.translatedBy, t.signedBy].filter((id): id is string => !!id)),
    );
    const who = (id: string | null) => (id ? { userId: id, name: names.get(id) ?? '' } : null);
    return {
      caseId,
      originalLanguage: report.originalLanguage,
      currentVersion: report.currentVersion,
      amendmentReason: texts.find((t) => t.isOriginal)?.amendmentReason ?? null,
      deliveredAt: report.deliveredAt?.toISOString() ?? null,
      texts: texts.map((t) => ({
        language: t.language,
        isOriginal: t.isOriginal,
        status: t.status,
        content: t.content as ReportContent,
        version: t.version,
        writtenBy: who(t.writtenBy)!,
        translatedBy: who(t.translatedBy),
        signedBy: who(t.signedBy),
        signedAt: t.signedAt?.toISOString() ?? null,
        verificationCode: t.verificationCode,
        updatedAt: t.updatedAt.toISOString(),
      })),
    };
  }

  /** The report, locked; 409 before the physician started it. */
  async function started(tx: Db, caseId: string) {
    const report = await repo.findReport(tx, caseId, { lock: true });
    if (!report) throw conflict('report_not_started');
    return report;
  }

  /** The text a change is based on: never a signed one, and only at the version the caller read. */
  async function basedOn(tx: Db, caseId: string, text: repo.ReportTextRow | null, version: number) {
    if (text?.status === 'signed') throw conflict('report_signed');
    if ((text?.version ?? 0) !== version) throw conflict('changed_meanwhile', {}, { current: await view(tx, caseId) });
  }
  const stale = async (tx: Db, caseId: string) => conflict('changed_meanwhile', {}, { current: await view(tx, caseId) });

  /** Tells the patient side (no medical content), opens the survey and moves the case on, once. */
  async function deliver(tx: Db, row: CaseRow, actor: Actor) {
    if (!(await repo.markDelivered(tx, row.id))) return false;
    await cases.tellRequester(tx, row, 'reportReady');
    await cases.advance(tx, row, 'report_delivered', historyActorOf(actor));
    try {
      await surveys.openFor(tx, row, null);
    } catch (err) {
      // A case that left the journey gets its report, and no survey.
      if (!(err instanceof DomainError && err.code === 'survey_case_closed')) throw err;
    }
    return true;
  }

  return {
    /** The signing identity, for the reply letter (sharing.ts): signed with the same key. */
    signingIdentity,

    read(actor: Actor, caseId: string) {
      return gate.run(actor, 'report.read', caseId, async ({ tx, audit }) => {
        const v = await view(tx, caseId);
        audit.details = { version: v.currentVersion, languages: v.texts.map((t) => `${t.language}:${t.status}`) };
        return v;
      });
    },

    saveOriginal(actor: Actor, caseId: string, body: z.output<typeof reportOriginalBody>) {
      return gate.run(actor, 'report.write', caseId, async ({ tx, audit }) => {
        const userId = userIdOf(actor);
        audit.details = { language: body.language, basedOn: body.version };
        const report = (await repo.findReport(tx, caseId, { lock: true })) ?? (await repo.insertReport(tx, caseId, body.language));
        if (!report) throw await stale(tx, caseId);
        if (report.originalLanguage !== body.language) throw conflict('report_language_fixed');
        audit.details.reportVersion = report.currentVersion;
        const text = await repo.findText(tx, caseId, report.currentVersion, body.language);
        await basedOn(tx, caseId, text, body.version);
        const saved = text
          ? await repo.updateText(tx, text.id, text.version, { content: body.content, writtenBy: userId })
          : await repo.insertText(tx, { caseId, reportVersion: report.currentVersion, language: body.language, isOriginal: true, content: body.content, writtenBy: userId });
        if (!saved) throw await stale(tx, caseId);
        return view(tx, caseId);
      });
    },

    saveTranslation(actor: Actor, caseId: string, language: Locale, body: z.output<typeof reportTranslationBody>) {
      return gate.run(actor, 'report.translate', caseId, async ({ tx, audit }) => {
        const userId = userIdOf(actor);
        audit.details = { language, basedOn: body.version };
        const report = await started(tx, caseId);
        if (report.originalLanguage === language) throw conflict('report_language_fixed');
        const original = (await repo.findText(tx, caseId, report.currentVersion, report.originalLanguage))!;
        const text = await repo.findText(tx, caseId, report.currentVersion, language);
        await basedOn(tx, caseId, text, body.version);
        // Changing a translation marked ready puts it back to draft: the interpreter marks it again.
        const saved = text
          ? await repo.updateText(tx, text.id, text.version, { content: body.content, translatedBy: userId, status: 'draft' })
          : await repo.insertText(tx, {
              caseId,
              reportVersion: report.currentVersion,
              language,
              isOriginal: false,
              content: body.content,
              writtenBy: original.writtenBy,
              translatedBy: userId,
              amendmentReason: original.amendmentReason,
            });
        if (!saved) throw await stale(tx, caseId);
        return view(tx, caseId);
      });
    },

    markReady(actor: Actor, caseId: string, language: Locale, version: number) {
      return gate.run(actor, 'report.translation_ready', caseId, async ({ tx, audit }) => {
        audit.details = { language, basedOn: version };
        const report = await started(tx, caseId);
        if (report.originalLanguage === language) throw conflict('report_language_fixed');
        const text = await repo.findText(tx, caseId, report.currentVersion, language);
        if (!text) throw new DomainError('report_text_missing');
        await basedOn(tx, caseId, text, version);
        if (!(await repo.updateText(tx, text.id, text.version, { status: 'ready' }))) throw await stale(tx, caseId);
        return view(tx, caseId);
      });
    },

    sign(actor: Actor, caseId: string, language: Locale, version: number) {
      return gate.run(actor, 'report.sign', caseId, async ({ tx, subject: row, audit }) => {
        const userId = userIdOf(actor);
        audit.details = { language, basedOn: version };
        const report = await started(tx, caseId);
        const text = await repo.findText(tx, caseId, report.currentVersion, language);
        if (!text) throw new DomainError('report_text_missing');
        await basedOn(tx, caseId, text, version);
        let translation: { by: { name: string; role: string }; from: Locale } | undefined;
        if (!text.isOriginal) {
          if (text.status !== 'ready') throw conflict('report_translation_not_ready');
          const original = await repo.findText(tx, caseId, report.currentVersion, report.originalLanguage);
          if (original?.status !== 'signed') throw conflict('report_original_unsigned');
          const names = await repo.userNames(tx, [text.translatedBy!]);
          translation = { by: { name: names.get(text.translatedBy!) ?? '', role: translator(language)('roles.interpreter') }, from: report.originalLanguage };
        }
        const settings = await hospital.settings(tx);
        const signer = (await repo.userNames(tx, [userId])).get(userId) ?? '';
        const code = newVerificationCode();
        const signedAt = new Date();
        const pdf = await renderReportPdf(
          {
            content: text.content as ReportContent,
            meta: {
              caseNumber: row.number,
              patientName: row.patientName,
              physician: { name: signer, role: translator(language)('roles.physician') },
              version: report.currentVersion,
              signedAt: signedAt.toISOString(),
              timeZone: config.timeZone,
              ...(text.amendmentReason ? { amendmentReason: text.amendmentReason } : {}),
              language,
              ...(translation ? { translation } : {}),
              verificationCode: code,
              verificationUrl: verificationUrl(config.publicUrl, code),
            },
            letterhead: letterheadFor(language, settings, config.letterhead),
          },
          { signWith: await signingIdentity(settings.name.en || settings.name.ja) },
        );
        const blobId = randomUUID();
        await blobs.put(blobId, Readable.from([pdf]), tx);
        const signed = await repo.updateText(tx, text.id, text.version, { status: 'signed', signedBy: userId, signedAt, verificationCode: code, pdfBlobId: blobId });
        if (!signed) throw conflict('report_signed');
        const patientLanguage = isLocale(row.locale) ? row.locale : 'ja';
        const forPatient = text.isOriginal || language === patientLanguage;
        const delivered = forPatient && (await deliver(tx, row, actor));
        // An amended version tells the patient side once: at the first of its texts they can read to be
        // signed (the report's lock, taken above, orders two signatures at once).
        const readable = forPatient && report.currentVersion > 1 ? await repo.listTexts(tx, caseId, report.currentVersion) : [];
        const amended = readable.filter((t) => t.status === 'signed' && (t.isOriginal || t.language === patientLanguage)).length === 1;
        if (amended) await cases.tellRequester(tx, row, 'reportAmended', { version: report.currentVersion });
        Object.assign(audit.details, { reportVersion: report.currentVersion, code, bytes: pdf.length, delivered, amended });
        return view(tx, caseId);
      });
    },

    amend(actor: Actor, caseId: string, body: z.output<typeof reportAmendBody>) {
      return gate.run(actor, 'report.amend', caseId, async ({ tx, audit }) => {
        const report = await started(tx, caseId);
        const texts = await repo.listTexts(tx, caseId, report.currentVersion);
        if (texts.find((t) => t.isOriginal)?.status !== 'signed') throw conflict('report_not_signed');
        if (!(await startNextVersion(tx, caseId, report.currentVersion, texts, body.reason))) throw await stale(tx, caseId);
        audit.details = { from: report.currentVersion, to: report.currentVersion + 1 };
        return view(tx, caseId);
      });
    },

    /** What the portal shows: the version in force and each language's latest signed version, never a draft. */
    summary(actor: Actor, caseId: string) {
      return gate.run(actor, 'report.summary', caseId, async ({ tx, audit }) => {
        const [report, signed] = await Promise.all([repo.findReport(tx, caseId), repo.signedTexts(tx, caseId)]);
        const latest = signed.filter((t, i) => signed.findIndex((u) => u.language === t.language) === i);
        const inForce = signed.find((t) => t.isOriginal) ?? null;
        audit.details = { inForce: inForce?.reportVersion ?? null, languages: latest.map((t) => `${t.language}:${t.reportVersion}`) };
        return {
          originalLanguage: report?.originalLanguage ?? null,
          inForce: inForce?.reportVersion ?? null,
          amendmentReason: inForce?.amendmentReason ?? null,
          texts: latest.map((t) => ({
            language: t.language,
            isOriginal: t.isOriginal,
            version: t.reportVersion,
            signedAt: t.signedAt!.toISOString(),
            verificationCode: t.verificationCode!,
            amendmentReason: t.amendmentReason,
          })),
        };
      });
    },

    /** The current signed PDF in a language: the audit event is written before the bytes are sent. */
    async pdf(actor: Actor, caseId: string, language: Locale) {
      const found = await gate.run(actor, 'report.download', caseId, async ({ tx, subject: row, audit }) => {
        audit.details = { language };
        const text = await repo.latestSigned(tx, caseId, language);
        if (!text) throw new DomainError('report_text_missing');
        Object.assign(audit.details, { reportVersion: text.reportVersion, code: text.verificationCode });
        return { blobId: text.pdfBlobId!, filename: `${row.number}-v${text.reportVersion}-${language}.pdf` };
      });
      const parts: Buffer[] = [];
      for await (const p of await blobs.get(found.blobId)) parts.push(p as Buffer);
      return { bytes: Buffer.concat(parts), filename: found.filename };
    },

    /** Whether a code is a signed document's, and whether that version is in force: nothing of its content. */
    async verify(actor: Actor, typed: string) {
      const attempt = await reserveAttempt(db, [{ key: `report-verify:${actor.ip ?? 'unknown'}`, max: VERIFY_PER_MINUTE, windowSeconds: 60 }]);
      if (!attempt.ok) throw rateLimited(attempt.secondsLeft);
      return gate.run(actor, 'report.verify', null, async ({ tx }) => {
        const code = normalizeVerificationCode(typed);
        const found = code ? await repo.findByCode(tx, code) : null;
        if (!found || found.text.status !== 'signed') throw new DomainError('verification_code_unknown');
        const { text, inForce } = found;
        return {
          code: text.verificationCode!,
          authentic: true as const,
          current: text.reportVersion === inForce,
          language: text.language,
          version: text.reportVersion,
          signedAt: text.signedAt!.toISOString(),
          currentVersion: inForce,
        };
      });
    },
  };
}
