import type { ReportContent } from '@kakehashi/core';
import type { Db } from '../db/client.ts';
import * as repo from './repo.ts';

/**
 * Starts version `from + 1` of a report whose original is signed: each language starts again from
 * what it said (passed through `change`), as a draft the interpreter marks ready again, with the
 * reason. False when another change moved the report on meanwhile (nothing is written then).
 */
export async function startNextVersion(
  tx: Db,
  caseId: string,
  from: number,
  texts: repo.ReportTextRow[],
  reason: string,
  change: (content: ReportContent) => ReportContent = (c) => c,
): Promise<boolean> {
  if (!(await repo.bumpVersion(tx, caseId, from))) return false;
  for (const t of texts) {
    await repo.insertText(tx, {
      caseId,
      reportVersion: from + 1,
      language: t.language,
      isOriginal: t.isOriginal,
      content: change(t.content as ReportContent),
      writtenBy: t.writtenBy,
      translatedBy: t.translatedBy,
      amendmentReason: reason,
    });
  }
  return true;
}
