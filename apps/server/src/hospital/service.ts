import type { z } from 'zod';
import { FOLLOW_UP_QUESTION_LIMIT_DEFAULT, LOGO_MAX_BYTES, STATS_MIN_CELL_DEFAULT, type HospitalSettings, type hospitalLogoBody, type hospitalSettingsBody, type Locale } from '@kakehashi/core';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { badRequest } from '../errors.ts';
import * as repo from './repo.ts';

const EMPTY = { ja: '', 'zh-CN': '', en: '' };
const EMPTY_TEXTS: repo.HospitalTexts = {
  name: EMPTY,
  department: EMPTY,
  contactHours: EMPTY,
  expectFirstAnswer: EMPTY,
  expectOpinion: EMPTY,
  expectFee: EMPTY,
  paymentInstructions: EMPTY,
};

type Row = NonNullable<Awaited<ReturnType<typeof repo.findHospital>>>;

function view(row: Row | null): HospitalSettings {
  const r = row ?? { ...EMPTY_TEXTS, contactEmail: '', contactPhone: '', contactFax: '', replyTo: '', surveyAnswersVisibleToStaff: false, followUpQuestionLimit: FOLLOW_UP_QUESTION_LIMIT_DEFAULT, statsMinCell: STATS_MIN_CELL_DEFAULT, viewerCopyNotice: true, logoType: null, logoUpdatedAt: null };
  return {
    name: r.name,
    department: r.department,
    contact: { email: r.contactEmail, phone: r.contactPhone, fax: r.contactFax, hours: r.contactHours },
    replyTo: r.replyTo,
    expectations: { firstAnswer: r.expectFirstAnswer, opinion: r.expectOpinion, fee: r.expectFee },
    paymentInstructions: r.paymentInstructions,
    surveyAnswersVisibleToStaff: r.surveyAnswersVisibleToStaff,
    followUpQuestionLimit: r.followUpQuestionLimit,
    statsMinCell: r.statsMinCell,
    viewerCopyNotice: r.viewerCopyNotice,
    logoUrl: r.logoType && r.logoUpdatedAt ? `/api/v1/hospital/logo?v=${r.logoUpdatedAt.getTime()}` : null,
  };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** An SVG document: optional XML declaration, comments and doctype, then the <svg> element. */
const SVG_START = /^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>[]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i;

/** The logo's bytes if they are what they claim to be; an entity declaration is refused outright. */
export function checkLogo(contentType: string, base64: string): Buffer {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0 || bytes.length > LOGO_MAX_BYTES) throw badRequest('logo_invalid', [{ path: 'logo.data' }]);
  if (contentType === 'image/png') {
    if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw badRequest('logo_invalid', [{ path: 'logo.data' }]);
    return bytes;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('logo_invalid', [{ path: 'logo.data' }]);
  }
  if (!SVG_START.test(text) || /<!ENTITY/i.test(text)) throw badRequest('logo_invalid', [{ path: 'logo.data' }]);
  return bytes;
}

export type HospitalService = ReturnType<typeof createHospitalService>;

/** The hospital's identity: anyone reads it (it is for patients); administrators change it, audited. */
export function createHospitalService(deps: { db: Db; gate: Gate<unknown> }) {
  const { db, gate } = deps;
  return {
    async settings(tx: Db = db) {
      return view(await repo.findHospital(tx));
    },

    logo: () => repo.findLogo(db),

    /** Whether staff may see each case's survey answers (read in the caller's transaction). */
    async surveyAnswersVisibleToStaff(tx: Db = db) {
      return (await repo.findHospital(tx))?.surveyAnswersVisibleToStaff ?? false;
    },

    update(actor: Actor, body: z.output<typeof hospitalSettingsBody>) {
      return gate.run(actor, 'settings.edit', null, async ({ tx, audit }) => {
        audit.details = { setting: 'hospital', change: 'update' };
        await repo.saveTexts(tx, {
          name: body.name,
          department: body.department,
          contactEmail: body.contact.email,
          contactPhone: body.contact.phone,
          contactFax: body.contact.fax,
          contactHours: body.contact.hours,
          replyTo: body.replyTo,
          expectFirstAnswer: body.expectations.firstAnswer,
          expectOpinion: body.expectations.opinion,
          expectFee: body.expectations.fee,
          paymentInstructions: body.paymentInstructions,
          surveyAnswersVisibleToStaff: body.surveyAnswersVisibleToStaff,
          followUpQuestionLimit: body.followUpQuestionLimit,
          statsMinCell: body.statsMinCell,
          viewerCopyNotice: body.viewerCopyNotice,
        });
        return view(await repo.findHospital(tx));
      });
    },

    setLogo(actor: Actor, body: z.output<typeof hospitalLogoBody>) {
      return gate.run(actor, 'settings.edit', null, async ({ tx, audit }) => {
        const logo = body.logo && { bytes: checkLogo(body.logo.contentType, body.logo.data), type: body.logo.contentType };
        audit.details = { setting: 'hospital_logo', change: logo ? 'update' : 'remove', ...(logo ? { type: logo.type, bytes: logo.bytes.length } : {}) };
        await repo.saveLogo(tx, logo, EMPTY_TEXTS);
        return view(await repo.findHospital(tx));
      });
    },

    /**
     * Who an e-mail in `locale` comes from: the hospital's name as the sender's display name, its
     * reply-to address, and the footer's lines. Nulls where nothing is set.
     */
    async sender(locale: Locale, tx: Db = db) {
      const s = view(await repo.findHospital(tx));
      return {
        name: s.name[locale] || null,
        department: s.department[locale] || null,
        replyTo: s.replyTo || null,
        contact: { email: s.contact.email, phone: s.contact.phone, fax: s.contact.fax, hours: s.contact.hours[locale] },
      };
    },
  };
}
export type Sender = Awaited<ReturnType<HospitalService['sender']>>;
