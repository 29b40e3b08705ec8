import type { uploadLink, uploadLinkBody, uploadLinkCreated, uploadLinkView } from '@kakehashi/core';
import type { z } from 'zod';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { GuestLinkService } from '../auth/guest-links.ts';
import type { Db } from '../db/client.ts';
import { conflict, notFound } from '../errors.ts';
import { receivedByLink } from './repo.ts';

type LinkRow = Awaited<ReturnType<GuestLinkService['list']>>[number];
const NO_CASE = '00000000-0000-0000-0000-000000000000';
const DAY = 86_400_000;

function view(row: LinkRow, received = 0): z.output<typeof uploadLink> {
  return {
    id: row.id,
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    hasPasscode: !!row.passcodeHash,
    note: row.note,
    label: row.label,
    locale: (row.locale as never) ?? null,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    received,
  };
}

/**
 * Upload-request links: a coordinator lets a referring hospital (or the patient) send files into one
 * case — and nothing else: the link cannot read the case — until it expires. Long enough for a large
 * study over a slow link, extendable, revocable, optionally with a passcode given another way. The
 * address holds the token after `#`, so it never reaches a server log.
 */
export function createUploadLinkService(deps: { gate: Gate<{ id: string; number: string }>; guestLinks: GuestLinkService; publicUrl: string }) {
  const { gate, guestLinks } = deps;
  const linkOf = async (tx: Db, caseId: string, linkId: string) => {
    const row = (await guestLinks.list(caseId, 'case_upload', tx)).find((l) => l.id === linkId);
    if (!row) throw notFound();
    return row;
  };
  const viewOf = async (tx: Db, caseId: string, linkId: string) => view(await linkOf(tx, caseId, linkId), (await receivedByLink(tx, caseId)).get(linkId) ?? 0);

  return {
    create(actor: Actor, caseId: string, body: z.output<typeof uploadLinkBody>): Promise<z.output<typeof uploadLinkCreated>> {
      return gate.run(actor, 'upload_links.create', caseId, async ({ tx, audit }) => {
        const p = actor.principal!;
        const made = await guestLinks.create(
          { scope: 'case_upload', subjectId: caseId, ttlSeconds: body.days * 86_400, createdBy: p.kind === 'user' ? p.user.id : null, extendable: true, passcode: body.passcode, note: body.note, locale: body.locale, label: body.label },
          tx,
        );
        audit.details = { link: made.id, days: body.days, passcode: !!body.passcode };
        // The language in the address too: the page opens in it, even before the passcode is given.
        return { ...view(await linkOf(tx, caseId, made.id)), url: `${deps.publicUrl}/send?lang=${body.locale}#${made.token}` };
      });
    },

    list(actor: Actor, caseId: string) {
      return gate.run(actor, 'upload_links.read', caseId, async ({ tx }) => {
        const received = await receivedByLink(tx, caseId);
        return { items: (await guestLinks.list(caseId, 'case_upload', tx)).map((row) => view(row, received.get(row.id) ?? 0)) };
      });
    },

    extend(actor: Actor, caseId: string, linkId: string, days: number) {
      return gate.run(actor, 'upload_links.update', caseId, async ({ tx, audit }) => {
        await linkOf(tx, caseId, linkId);
        if (!(await guestLinks.extend(linkId, caseId, new Date(Date.now() + days * DAY), tx))) throw conflict('link_ended');
        audit.details = { link: linkId, extendedByDays: days };
        return viewOf(tx, caseId, linkId);
      });
    },

    revoke(actor: Actor, caseId: string, linkId: string) {
      return gate.run(actor, 'upload_links.update', caseId, async ({ tx, audit }) => {
        await linkOf(tx, caseId, linkId);
        await guestLinks.revoke(linkId, tx);
        audit.details = { link: linkId, revoked: true };
        return viewOf(tx, caseId, linkId);
      });
    },

    /** The page an upload-request link opens: the case's number and what is asked. Anyone else has no link here. */
    opened(actor: Actor): Promise<z.output<typeof uploadLinkView>> {
      const p = actor.principal;
      const mine = p?.kind === 'guest' && p.scope === 'case_upload' ? p : null;
      return gate.run(actor, 'upload_link.read', mine ? mine.subjectId : NO_CASE, async ({ tx, subject }) => {
        const row = await linkOf(tx, mine!.subjectId, mine!.linkId);
        return { caseId: mine!.subjectId, caseNumber: subject!.number, note: row.note, locale: (row.locale as never) ?? null, expiresAt: row.expiresAt.toISOString() };
      });
    },
  };
}
