import type { z } from 'zod';
import type { acceptanceRuleBody, feeScheduleBody } from '@kakehashi/core';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import { notFound } from '../errors.ts';
import * as repo from './repo.ts';
import { DEFAULT_PORTAL_LINK_DAYS } from './service.ts';

type RuleRow = Awaited<ReturnType<typeof repo.listAcceptanceRules>>[number];
type FeeRow = Awaited<ReturnType<typeof repo.listFeeSchedules>>[number];

const ruleView = (r: RuleRow) => ({ id: r.id, text: { ja: r.textJa, 'zh-CN': r.textZh, en: r.textEn }, active: !r.disabledAt });
export const feeView = (f: FeeRow) => ({
  id: f.id,
  name: { ja: f.nameJa, 'zh-CN': f.nameZh, en: f.nameEn },
  minutes: f.minutes,
  amount: f.amount,
  currency: f.currency,
  interpreterIncluded: f.interpreterIncluded,
  active: !f.disabledAt,
});

export type CaseSettingsService = ReturnType<typeof createCaseSettingsService>;

/** The hospital's acceptance rules and fee schedule: administrators set them, staff read them. */
export function createCaseSettingsService(deps: { gate: Gate<unknown> }) {
  const { gate } = deps;
  const ruleFields = (b: z.output<typeof acceptanceRuleBody>) => ({
    textJa: b.text.ja,
    textZh: b.text['zh-CN'],
    textEn: b.text.en,
    disabledAt: b.active ? null : new Date(),
  });
  const feeFields = (b: z.output<typeof feeScheduleBody>) => {
    const { active, name, ...rest } = b;
    return { ...rest, nameJa: name.ja, nameZh: name['zh-CN'], nameEn: name.en, disabledAt: active ? null : new Date() };
  };

  return {
    rules(actor: Actor) {
      return gate.run(actor, 'settings.read', null, async ({ tx }) => (await repo.listAcceptanceRules(tx)).map(ruleView));
    },
    addRule(actor: Actor, body: z.output<typeof acceptanceRuleBody>) {
      return gate.run(actor, 'settings.edit', null, async ({ tx, audit }) => {
        const existing = await repo.listAcceptanceRules(tx);
        const row = await repo.insertAcceptanceRule(tx, { ...ruleFields(body), sortOrder: existing.length * 10 });
        Object.assign(audit, { subjectId: row.id, details: { setting: 'acceptance_rule', change: 'create' } });
        return ruleView(row);
      });
    },
    updateRule(actor: Actor, id: string, body: z.output<typeof acceptanceRuleBody>) {
      return gate.run(actor, 'settings.edit', id, async ({ tx, audit }) => {
        audit.details = { setting: 'acceptance_rule', change: 'update' };
        const row = await repo.updateAcceptanceRule(tx, id, ruleFields(body));
        if (!row) throw notFound();
        return ruleView(row);
      });
    },
    /** How long portal links mailed from now on stay valid (links already sent keep their expiry). */
    portalLinks(actor: Actor) {
      return gate.run(actor, 'settings.read', null, async ({ tx }) => ({ linkDays: await repo.portalLinkDays(tx, DEFAULT_PORTAL_LINK_DAYS) }));
    },
    setPortalLinks(actor: Actor, linkDays: number) {
      return gate.run(actor, 'settings.edit', null, async ({ tx, audit }) => {
        audit.details = { setting: 'portal_links', linkDays };
        await repo.setPortalLinkDays(tx, linkDays);
        return { linkDays };
      });
    },
    fees(actor: Actor) {
      return gate.run(actor, 'settings.read', null, async ({ tx }) => (await repo.listFeeSchedules(tx)).map(feeView));
    },
    addFee(actor: Actor, body: z.output<typeof feeScheduleBody>) {
      return gate.run(actor, 'settings.edit', null, async ({ tx, audit }) => {
        const row = await repo.insertFeeSchedule(tx, feeFields(body));
        Object.assign(audit, { subjectId: row.id, details: { setting: 'fee_schedule', change: 'create' } });
        return feeView(row);
      });
    },
    updateFee(actor: Actor, id: string, body: z.output<typeof feeScheduleBody>) {
      return gate.run(actor, 'settings.edit', id, async ({ tx, audit }) => {
        audit.details = { setting: 'fee_schedule', change: 'update' };
        const row = await repo.updateFeeSchedule(tx, id, feeFields(body));
        if (!row) throw notFound();
        return feeView(row);
      });
    },
  };
}
