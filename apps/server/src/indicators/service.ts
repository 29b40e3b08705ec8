import type { z } from 'zod';
import { achievementRate, fiscalYearOf, fiscalYearRange, indicatorSource, INDICATORS, type IndicatorCode, type IndicatorRow, type IndicatorYear, type indicatorActualBody, type Locale } from '@kakehashi/core';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { badRequest } from '../errors.ts';
import { localParts, startOfDay } from '../scheduling/service.ts';
import * as repo from './repo.ts';
import { translator } from '../i18n.ts';
import { exportAs, type Format, type StatsAnswer } from '../stats/export.ts';

export type IndicatorService = ReturnType<typeof createIndicatorService>;

/**
 * Programme indicators of a fiscal year (docs/architecture.md, "Programme indicators"): plans and
 * hand-counted actuals entered by administrators; partner institutions and remote second opinions
 * counted from the data, in the hospital's time zone.
 */
export function createIndicatorService(deps: { gate: Gate<unknown>; config: Pick<Config, 'timeZone' | 'fiscalYearStartMonth'> }) {
  const { gate, config } = deps;
  const { timeZone, fiscalYearStartMonth: startMonth } = config;

  /** The year's bounds: its first day and the next year's, as dates and as instants in the hospital's zone. */
  function bounds(year: number) {
    const { from, to } = fiscalYearRange(year, startMonth);
    return { fromDate: from, toDate: to, from: startOfDay(from, timeZone), to: startOfDay(to, timeZone) };
  }

  /** Every indicator of the year, or only the institution's own figures (a partner member's view: no plans, its cases). */
  async function rows(tx: Db, year: number, own: { institutionId: string | null } | null): Promise<IndicatorRow[]> {
    const range = bounds(year);
    if (own) {
      // A partner member without an institution has no cases of their own to count.
      const actual = own.institutionId ? await repo.countDeliveredReports(tx, range, own.institutionId) : 0;
      return [{ code: 'remote_second_opinions', level: 'outcome', source: 'counted', planned: null, actual, rate: null, note: '', enteredBy: null, enteredAt: null }];
    }
    const [plans, actuals, partners, opinions] = [
      await repo.listPlans(tx, year),
      await repo.listActuals(tx, year),
      await repo.countPartnerInstitutions(tx, range),
      await repo.countDeliveredReports(tx, range, null),
    ];
    const counted: Partial<Record<IndicatorCode, number>> = { partner_institutions: partners, remote_second_opinions: opinions };
    return INDICATORS.map(({ code, level, source }) => {
      const planned = plans.find((p) => p.indicator === code)?.planned ?? null;
      const entry = source === 'manual' ? actuals.find((a) => a.indicator === code) : undefined;
      const actual = source === 'counted' ? counted[code]! : (entry?.actual ?? null);
      return { code, level, source, planned, actual, rate: achievementRate(planned, actual), note: entry?.note ?? '', enteredBy: entry?.enteredBy ?? null, enteredAt: entry?.enteredAt.toISOString() ?? null };
    });
  }

  /** The current fiscal year in the hospital's zone. */
  const currentYear = (now = new Date()) => fiscalYearOf(localParts(now, timeZone).date, startMonth);
  const userOf = (actor: Actor) => (actor.principal?.kind === 'user' ? actor.principal.user : null);
  const rowOf = async (tx: Db, year: number, code: IndicatorCode) => (await rows(tx, year, null)).find((r) => r.code === code)!;

  return {
    currentYear,

    /** The year's table, or its export (CSV, XLSX) with headers and labels in `locale`. */
    read(actor: Actor, year: number | undefined, format: Format = 'json', locale: Locale = actor.locale): Promise<StatsAnswer<IndicatorYear>> {
      return gate.run(actor, 'indicators.read', null, async ({ tx, audit }) => {
        const y = year ?? currentYear();
        const user = userOf(actor);
        const own = user?.role === 'partner' ? { institutionId: user.institutionId } : null;
        const scope = own ? 'institution' : 'programme';
        audit.details = { year: y, scope, format };
        const { fromDate, toDate } = bounds(y);
        const table: IndicatorYear = { year: y, from: fromDate, to: toDate, timeZone, scope, rows: await rows(tx, y, own) };
        return exportAs(table, () => {
          const t = translator(locale);
          const c = (key: 'indicator' | 'planned' | 'actual') => t(`indicators.columns.${key}`);
          return {
            headers: [t('indicators.year'), t('indicators.level'), c('indicator'), c('planned'), c('actual'), t('indicators.rateColumn'), t('indicators.source'), t('indicators.noteColumn')],
            rows: table.rows.map((r) => [
              t('indicators.yearName', { year: y }),
              t(`indicators.levels.${r.level}`),
              t(`indicators.codes.${r.code}`),
              r.planned,
              r.actual,
              r.rate === null ? null : Math.round(r.rate * 1000) / 10,
              r.source === 'manual' ? t('indicators.manual') : t(`indicators.how.${r.code}` as 'indicators.how.partner_institutions'),
              r.note,
            ]),
          };
        }, format, `indicators-FY${y}`);
      });
    },

    setPlan(actor: Actor, year: number, code: IndicatorCode, planned: number | null) {
      return gate.run(actor, 'indicators.edit', null, async ({ tx, audit }) => {
        audit.details = { year, indicator: code, change: 'plan', value: planned };
        await repo.savePlan(tx, year, code, planned, userOf(actor)!.id);
        return rowOf(tx, year, code);
      });
    },

    /** A hand-counted actual: only for indicators the data do not count yet (a counted one is refused). */
    setActual(actor: Actor, year: number, code: IndicatorCode, body: z.output<typeof indicatorActualBody>) {
      return gate.run(actor, 'indicators.edit', null, async ({ tx, audit }) => {
        audit.details = { year, indicator: code, change: 'actual', value: body.actual };
        if (indicatorSource(code) !== 'manual') throw badRequest('indicator_counted', [{ path: 'code' }]);
        await repo.saveActual(tx, year, code, body.actual === null ? null : { actual: body.actual, note: body.note }, userOf(actor)!.id);
        return rowOf(tx, year, code);
      });
    },
  };
}
