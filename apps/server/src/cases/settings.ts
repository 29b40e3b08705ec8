import type { z } from 'zod';
import type { acceptanceRuleBody, feeScheduleBody } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import type { AuditService } from '../audit/service.ts';
import { requireRole, requireUser } from '../auth/policy.ts';
import type { Actor } from '../auth/principal.ts';
import { notFound } from '../http/errors.ts';
import * as repo from './repo.ts';

type RuleRow = Awaited<ReturnType<typeof repo.listAcceptanceRules>>[number];
type FeeRow = Awaited<ReturnType<typeof repo.listFeeSchedules>>[number];

const ruleView = (r: RuleRow) => ({ id: r.id, text: { ja: r.textJa, 'zh-CN': r.textZh, en: r.textEn }, active: !r.disabledAt });
export const feeView = (f: FeeRow) => ({
  id: f.id,
  name: f.name,
  minutes: f.minutes,
  amount: f.amount,
  currency: f.currency,
  interpreterIncluded: f.interpreterIncluded,
  active: !f.disabledAt,
});

export type CaseSettingsService = ReturnType<typeof createCaseSettingsService>;

/** The hospital's acceptance rules and fee schedule: administrators set them, staff read them. */
export function createCaseSettingsService(deps: { db: Db; audit: AuditService }) {
  const { db, audit } = deps;
  const ruleFields = (b: z.output<typeof acceptanceRuleBody>) => ({
    textJa: b.text.ja,
    textZh: b.text['zh-CN'],
    textEn: b.text.en,
    disabledAt: b.active ? null : new Date(),
  });
  const feeFields = (b: z.output<typeof feeScheduleBody>) => {
    const { active, ...rest } = b;
    return { ...rest, disabledAt: active ? null : new Date() };
  };

  return {
    async rules(actor: Actor) {
      requireUser(actor);
      return (await repo.listAcceptanceRules(db)).map(ruleView);
    },
    async addRule(actor: Actor, body: z.output<typeof acceptanceRuleBody>) {
      requireRole(actor, 'admin');
      const existing = await repo.listAcceptanceRules(db);
      const row = await repo.insertAcceptanceRule(db, { ...ruleFields(body), sortOrder: existing.length * 10 });
      await audit.record(actor, { action: 'settings.acceptance_rule.create', subjectType: 'acceptance_rule', subjectId: row.id });
      return ruleView(row);
    },
    async updateRule(actor: Actor, id: string, body: z.output<typeof acceptanceRuleBody>) {
      requireRole(actor, 'admin');
      const row = await repo.updateAcceptanceRule(db, id, ruleFields(body));
      if (!row) throw notFound();
      await audit.record(actor, { action: 'settings.acceptance_rule.update', subjectType: 'acceptance_rule', subjectId: id });
      return ruleView(row);
    },
    async fees(actor: Actor) {
      requireUser(actor);
      return (await repo.listFeeSchedules(db)).map(feeView);
    },
    async addFee(actor: Actor, body: z.output<typeof feeScheduleBody>) {
      requireRole(actor, 'admin');
      const row = await repo.insertFeeSchedule(db, feeFields(body));
      await audit.record(actor, { action: 'settings.fee_schedule.create', subjectType: 'fee_schedule', subjectId: row.id });
      return feeView(row);
    },
    async updateFee(actor: Actor, id: string, body: z.output<typeof feeScheduleBody>) {
      requireRole(actor, 'admin');
      const row = await repo.updateFeeSchedule(db, id, feeFields(body));
      if (!row) throw notFound();
      await audit.record(actor, { action: 'settings.fee_schedule.update', subjectType: 'fee_schedule', subjectId: id });
      return feeView(row);
    },
  };
}
