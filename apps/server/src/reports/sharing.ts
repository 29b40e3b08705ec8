import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import type { Locale, ReplyLetter, replyLetterBody, replyLetterView, reportLink, reportLinkBody, reportLinkCreated, ReportContent, sharedDocuments } from '@kakehashi/core';
import type { Config } from '../config.ts';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { GuestLinkService } from '../auth/guest-links.ts';
import type { CaseRow } from '../cases/service.ts';
import type { Db } from '../db/client.ts';
import type { HospitalService } from '../hospital/service.ts';
import type { MailService } from '../notifications/service.ts';
import { LINK_TOKEN } from '../notifications/links.ts';
import { formatInZone } from '../notifications/format.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { conflict, DomainError, forbidden, notFound } from '../errors.ts';
import { translator } from '../i18n.ts';
import { letterheadFor } from './letterhead.ts';
import { renderReplyLetterPdf } from './pdf.ts';
import type { SigningIdentity } from './sign.ts';
import { verificationUrl } from './verification.ts';
import * as repo from './repo.ts';

export type SharingService = ReturnType<typeof createSharingService>;

type LinkRow = Awaited<ReturnType<GuestLinkService['list']>>[number];
const NO_CASE = '00000000-0000-0000-0000-000000000000';

function linkView(row: LinkRow): z.output<typeof reportLink> {
  return {
    id: row.id,
    label: row.label,
    locale: (row.locale as Locale | null) ?? null,
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

const consentView = (c: { given: boolean; changedAt: Date } | null) => (c ? { given: c.given, changedAt: c.changedAt.toISOString() } : null);

/**
 * Giving the signed report and the reply letter (返書) to the patient's primary doctor or referring
 * institution (docs/architecture.md, "The reply letter and sharing"): the patient side consents on
 * the portal; the team's physician writes the letter, signed like the report; the case's partner
 * institution then sees both in the product, and anyone else gets a read link (scope `case_report`)
 * with a required passcode. Without the consent, or before the report is signed, the recipient's
 * reads answer 404 like anything unseen; withdrawing revokes every read link at once.
 */
export function createSharingService(deps: {
  config: Pick<Config, 'publicUrl' | 'timeZone' | 'letterhead'>;
  gate: Gate<CaseRow>;
  guestLinks: GuestLinkService;
  hospital: HospitalService;
  blobs: BlobStore;
  mail: Pick<MailService, 'queue'>;
  /** The report's signing identity (reports/service.ts): the letter is signed with the same key. */
  signingIdentity: (hospitalName: string) => Promise<SigningIdentity>;
}) {
  const { config, gate, guestLinks, hospital, blobs, mail } = deps;

  /** A partner member or a read link: they get the documents only while the patient side consents. */
  const isRecipient = (actor: Actor) => actor.principal?.kind === 'guest' || (actor.principal?.kind === 'user' && actor.principal.user.role === 'partner');

  /**
   * The version in force, when the documents may go to the recipient: consent given (and the consent
   * to the whole second opinion not withdrawn since), report signed.
   */
  async function shareable(tx: Db, row: CaseRow) {
    if (row.consentWithdrawnAt) return null;
    const consent = await repo.findSharingConsent(tx, row.id);
    const force = await repo.inForce(tx, row.id);
    return consent?.given && force ? force : null;
  }

  async function documents(tx: Db, row: CaseRow, expiresAt: Date | null): Promise<z.output<typeof sharedDocuments>> {
    if (!(await shareable(tx, row))) throw notFound();
    const letter = await repo.currentLetter(tx, row.id);
    return {
      caseId: row.id,
      caseNumber: row.number,
      letter: letter ? { language: letter.language, date: (letter.letter as ReplyLetter).date, reportVersion: letter.reportVersion } : null,
      report: await repo.latestSignedLanguages(tx, row.id),
      expiresAt: expiresAt?.toISOString() ?? null,
    };
  }

  async function letterView(tx: Db, row: CaseRow): Promise<z.output<typeof replyLetterView>> {
    const force = await repo.inForce(tx, row.id);
    const letter = await repo.currentLetter(tx, row.id);
    const names = await repo.userNames(tx, letter ? [letter.writtenBy] : []);
    const medical = row.medical as { primaryDoctor?: string; primaryHospital?: string };
    return {
      consent: consentView(await repo.findSharingConsent(tx, row.id)),
      letter: letter
        ? {
            id: letter.id,
            language: letter.language,
            reportVersion: letter.reportVersion,
            letter: letter.letter as ReplyLetter,
            writtenBy: { userId: letter.writtenBy, name: names.get(letter.writtenBy) ?? '' },
            signedAt: letter.signedAt.toISOString(),
          }
        : null,
      letterCurrent: !!letter && letter.reportVersion === force?.version,
      reportVersion: force?.version ?? 0,
      signedLanguages: force?.texts.map((t) => t.language) ?? [],
      suggestedRecipient: { name: medical.primaryDoctor ?? '', institution: medical.primaryHospital ?? '', department: '' },
      institution: row.institutionId ? await repo.institutionName(tx, row.institutionId) : null,
    };
  }

  const readLinks = (tx: Db, caseId: string) => guestLinks.list(caseId, 'case_report', tx);
  const linkOf = async (tx: Db, caseId: string, linkId: string) => {
    const row = (await readLinks(tx, caseId)).find((l) => l.id === linkId);
    if (!row) throw notFound();
    return row;
  };

  /** The bytes of a stored PDF, read after the gate's transaction (its audit event) committed. */
  async function bytesOf(blobId: string) {
    const parts: Buffer[] = [];
    for await (const p of await blobs.get(blobId)) parts.push(p as Buffer);
    return Buffer.concat(parts);
  }

  return {
    consent(actor: Actor, caseId: string) {
      return gate.run(actor, 'report_sharing.read', caseId, async ({ tx, audit }) => {
        const consent = await repo.findSharingConsent(tx, caseId);
        audit.details = { given: consent?.given ?? null };
        return { consent: consentView(consent) };
      });
    },

    /** The portal gives or withdraws the consent; withdrawing ends every read link of the case at once. */
    setConsent(actor: Actor, caseId: string, given: boolean) {
      return gate.run(actor, 'report_sharing.consent', caseId, async ({ tx, audit }) => {
        const consent = await repo.setSharingConsent(tx, caseId, given);
        const linksRevoked = given ? 0 : await guestLinks.revokeAll(caseId, tx, 'case_report');
        audit.details = { given, linksRevoked };
        return { consent: consentView(consent) };
      });
    },

    letter(actor: Actor, caseId: string) {
      return gate.run(actor, 'reply_letter.read', caseId, async ({ tx, subject, audit }) => {
        const v = await letterView(tx, subject!);
        audit.details = { letter: v.letter?.id ?? null, consent: v.consent?.given ?? null };
        return v;
      });
    },

    /**
     * The physician writes the letter for the report in force, in one of its signed languages: it
     * summarises that text and names it (version, verification code) as enclosed, and is signed with
     * the report's key. It has no verification code of its own (the report's is the one to check).
     */
    writeLetter(actor: Actor, caseId: string, body: z.output<typeof replyLetterBody>) {
      return gate.run(actor, 'reply_letter.write', caseId, async ({ tx, subject, audit }) => {
        const p = actor.principal;
        if (p?.kind !== 'user') throw forbidden();
        const row = subject!;
        const { language, ...letter } = body;
        audit.details = { language };
        const force = await repo.inForce(tx, caseId);
        if (!force) throw conflict('report_not_signed');
        const text = force.texts.find((t) => t.language === language);
        if (!text) throw new DomainError('report_text_missing');
        if ((await repo.currentLetter(tx, caseId))?.reportVersion === force.version) throw conflict('reply_letter_written');
        const settings = await hospital.settings(tx);
        const signer = (await repo.userNames(tx, [p.user.id])).get(p.user.id) ?? '';
        const signedAt = new Date();
        const pdf = await renderReplyLetterPdf(
          {
            letter,
            content: text.content as ReportContent,
            meta: {
              caseNumber: row.number,
              patientName: row.patientName,
              physician: { name: signer, role: translator(language)('roles.physician') },
              version: force.version,
              signedAt: text.signedAt!.toISOString(),
              timeZone: config.timeZone,
              ...(text.amendmentReason ? { amendmentReason: text.amendmentReason } : {}),
              language,
              verificationCode: text.verificationCode!,
              verificationUrl: verificationUrl(config.publicUrl, text.verificationCode!),
            },
            letterhead: letterheadFor(language, settings, config.letterhead),
            signedAt,
          },
          { signWith: await deps.signingIdentity(settings.name.en || settings.name.ja) },
        );
        const blobId = randomUUID();
        await blobs.put(blobId, Readable.from([pdf]), tx);
        const saved = await repo.insertLetter(tx, { caseId, reportVersion: force.version, language, letter, writtenBy: p.user.id, signedAt, pdfBlobId: blobId });
        if (!saved) throw conflict('reply_letter_written');
        Object.assign(audit.details, { letter: saved.id, reportVersion: force.version, code: text.verificationCode, bytes: pdf.length });
        return letterView(tx, row);
      });
    },

    /** The current letter's PDF: the team and coordinators; a partner member or a read link while the consent stands. */
    async letterPdf(actor: Actor, caseId: string) {
      const found = await gate.run(actor, 'reply_letter.download', caseId, async ({ tx, subject, audit }) => {
        if (isRecipient(actor) && !(await shareable(tx, subject!))) throw notFound();
        const letter = await repo.currentLetter(tx, caseId);
        if (!letter) throw notFound();
        audit.details = { letter: letter.id, reportVersion: letter.reportVersion, language: letter.language };
        return { blobId: letter.pdfBlobId, filename: `${subject!.number}-letter-v${letter.reportVersion}-${letter.language}.pdf` };
      });
      return { bytes: await bytesOf(found.blobId), filename: found.filename };
    },

    /** What a partner member may download of their institution's case. */
    shared(actor: Actor, caseId: string) {
      return gate.run(actor, 'shared_documents.read', caseId, async ({ tx, subject }) => documents(tx, subject!, null));
    },

    /** The page a read link opens: the same list, for the link's case. Anyone else has no link here. */
    opened(actor: Actor) {
      const p = actor.principal;
      const mine = p?.kind === 'guest' && p.scope === 'case_report' ? p : null;
      return gate.run(actor, 'shared_documents.read', mine ? mine.subjectId : NO_CASE, async ({ tx, subject }) => documents(tx, subject!, (await linkOf(tx, mine!.subjectId, mine!.linkId)).expiresAt));
    },

    /** The latest signed report in a language, for the recipient while the consent stands. */
    async reportPdf(actor: Actor, caseId: string, language: Locale) {
      const found = await gate.run(actor, 'shared_documents.report', caseId, async ({ tx, subject, audit }) => {
        audit.details = { language };
        if (!(await shareable(tx, subject!))) throw notFound();
        const text = await repo.latestSigned(tx, caseId, language);
        if (!text) throw new DomainError('report_text_missing');
        Object.assign(audit.details, { reportVersion: text.reportVersion, code: text.verificationCode });
        return { blobId: text.pdfBlobId!, filename: `${subject!.number}-v${text.reportVersion}-${language}.pdf` };
      });
      return { bytes: await bytesOf(found.blobId), filename: found.filename };
    },

    createLink(actor: Actor, caseId: string, body: z.output<typeof reportLinkBody>): Promise<z.output<typeof reportLinkCreated>> {
      return gate.run(actor, 'report_links.create', caseId, async ({ tx, subject, audit }) => {
        const p = actor.principal;
        if (p?.kind !== 'user') throw forbidden();
        audit.details = { days: body.days };
        if (subject!.consentWithdrawnAt || !(await repo.findSharingConsent(tx, caseId))?.given) throw conflict('sharing_consent_missing');
        if (!(await repo.inForce(tx, caseId))) throw conflict('report_not_signed');
        const made = await guestLinks.create({ scope: 'case_report', subjectId: caseId, ttlSeconds: body.days * 86_400, createdBy: p.user.id, passcode: body.passcode, label: body.label, locale: body.locale }, tx);
        audit.details.link = made.id;
        // The recipient's language in the address: the page opens in it, before the passcode is given.
        const url = (token: string) => `${config.publicUrl}/letter?lang=${body.locale}#${token}`;
        if (body.email) {
          // The token is put in as the message is sent (and not at all once the link ended); never the passcode.
          await mail.queue(body.email, body.locale, 'reportLink', { url: url(LINK_TOKEN), until: `${formatInZone(made.expiresAt, body.locale, config.timeZone)} (${config.timeZone})` }, tx, { link: { kind: 'report_link', linkId: made.id } });
          audit.details.emailed = true;
        }
        return { ...linkView(await linkOf(tx, caseId, made.id)), url: url(made.token) };
      });
    },

    listLinks(actor: Actor, caseId: string) {
      return gate.run(actor, 'report_links.read', caseId, async ({ tx }) => ({ items: (await readLinks(tx, caseId)).map(linkView) }));
    },

    revokeLink(actor: Actor, caseId: string, linkId: string) {
      return gate.run(actor, 'report_links.update', caseId, async ({ tx, audit }) => {
        await linkOf(tx, caseId, linkId);
        await guestLinks.revoke(linkId, tx);
        audit.details = { link: linkId, revoked: true };
        return linkView(await linkOf(tx, caseId, linkId));
      });
    },
  };
}
