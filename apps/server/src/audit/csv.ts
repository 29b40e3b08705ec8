import { auditActionKey, auditCaseNumber } from '@kakehashi/core';
import type { TFunction } from '@kakehashi/core/i18n';
import type { NamedAuditEvent } from './repo.ts';
import type { VerifyResult } from './service.ts';

/** Excel reads a CSV file as UTF-8 (Japanese and Chinese intact) only when it starts with this mark. */
export const BOM = '\uFEFF';

/**
 * One field (RFC 4180): quoted when it holds a quote, a separator or a line break, quotes doubled.
 * A value a spreadsheet would take for a formula (=, +, -, @, or a tab or carriage return first)
 * gets a leading apostrophe, so an auditor opening the file never runs what someone typed as their
 * name or e-mail.
 */
export function csvField(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvLine = (fields: (string | number | null | undefined)[]) => `${fields.map(csvField).join(',')}\r\n`;

export interface AuditExport {
  t: TFunction;
  period: { from: string; to: string };
  exportedAt: Date;
  exportedBy: string;
  throughId: number;
  verification: VerifyResult;
  rows: AsyncIterable<NamedAuditEvent>;
}

/** What the file is and how the chain stood when it was made: label and value, one per line, first. */
function preamble({ t, period, exportedAt, exportedBy, throughId, verification: v }: AuditExport): string[] {
  const reason = v.code ? t(`audit.reasons.${v.code}`) : (v.reason ?? '');
  const result = v.ok
    ? t('audit.csv.verifiedOk')
    : v.brokenAt !== undefined
      ? t('audit.csv.verifiedBroken', { event: v.brokenAt, reason })
      : t('audit.csv.verifiedBrokenNoEvent', { reason });
  return [
    csvLine([t('audit.csv.title')]),
    csvLine([t('audit.csv.period'), t('audit.csv.periodValue', { from: period.from, to: period.to })]),
    csvLine([t('audit.csv.exportedAt'), exportedAt.toISOString()]),
    csvLine([t('audit.csv.exportedBy'), exportedBy]),
    csvLine([t('audit.csv.rows'), throughId ? t('audit.csv.rowsValue', { last: throughId }) : t('audit.csv.rowsNone')]),
    csvLine([t('audit.csv.verification'), result]),
    csvLine([t('audit.csv.sealed'), t('audit.csv.sealedValue', { count: v.count, seals: v.seals })]),
    csvLine([t('audit.csv.unsealed'), t('audit.csv.unsealedValue', { count: v.unsealed })]),
    csvLine([t('audit.csv.checkpoint'), t(`audit.checkpointStates.${v.checkpoint.state}`)]),
    csvLine([t('audit.csv.covers'), t('audit.csv.coversValue')]),
    csvLine([t('audit.csv.formulaNote')]),
    '\r\n',
  ];
}

const COLUMNS = ['id', 'at', 'actor', 'actorName', 'actionCode', 'action', 'case', 'subjectType', 'subjectId', 'outcome', 'ip', 'details'] as const;

/** The export as text chunks: the mark, the preamble, the headings, then one line per event as the rows arrive. */
export async function* auditCsv(x: AuditExport): AsyncGenerator<string> {
  const { t } = x;
  yield BOM + preamble(x).join('');
  yield csvLine(COLUMNS.map((c) => t(`audit.csv.${c}`)));
  // A few hundred lines per chunk: fewer writes than one per line, still bounded.
  let chunk = '';
  let lines = 0;
  for await (const e of x.rows) {
    const key = auditActionKey(e.action);
    chunk += csvLine([
      e.id,
      e.at.toISOString(),
      e.actorLabel,
      e.actorName,
      e.action,
      t(key, { defaultValue: e.action }),
      auditCaseNumber(e),
      e.subjectType,
      e.subjectId,
      t(`audit.outcomes.${e.outcome}`),
      e.ip,
      e.details ? JSON.stringify(e.details) : '',
    ]);
    if (++lines === 500) {
      yield chunk;
      chunk = '';
      lines = 0;
    }
  }
  if (chunk) yield chunk;
}
