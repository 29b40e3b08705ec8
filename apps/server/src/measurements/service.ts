import type { z } from 'zod';
import type { measurement, saveMeasurementsBody } from '@kakehashi/core';
import type { Gate } from '../access/gate.ts';
import type { Actor } from '../auth/principal.ts';
import type { CaseRow } from '../cases/service.ts';
import type { Db } from '../db/client.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import * as repo from './repo.ts';

export type MeasurementService = ReturnType<typeof createMeasurementService>;

/** Who may delete any measurement, not only their own. */
const MANAGERS = new Set(['admin', 'coordinator']);

const userOf = (actor: Actor) => (actor.principal?.kind === 'user' ? actor.principal.user : null);

/**
 * Measurements drawn in the viewer and saved on a study of the case, for the team to see and the
 * viewer to draw back (docs/records.md, "Saved measurements").
 */
export function createMeasurementService(deps: { gate: Gate<CaseRow> }) {
  const { gate } = deps;

  async function list(tx: Db, actor: Actor, caseId: string, studyUid: string): Promise<{ items: z.output<typeof measurement>[] }> {
    const me = userOf(actor);
    const rows = await repo.listMeasurements(tx, caseId, studyUid);
    return {
      items: rows.map(({ m, authorName }) => ({
        id: m.id,
        studyInstanceUid: m.studyInstanceUid,
        seriesInstanceUid: m.seriesInstanceUid,
        sopInstanceUid: m.sopInstanceUid,
        frame: m.frame,
        kind: m.kind,
        points: m.points,
        values: m.values,
        label: m.label,
        author: { id: m.authorId, name: authorName ?? '' },
        createdAt: m.createdAt.toISOString(),
        deletable: !!me && (m.authorId === me.id || MANAGERS.has(me.role)),
      })),
    };
  }

  return {
    list(actor: Actor, caseId: string, studyUid: string) {
      return gate.run(actor, 'case.measurements_read', caseId, async ({ tx, audit }) => {
        if (!(await repo.studyExists(tx, caseId, studyUid))) throw notFound();
        const result = await list(tx, actor, caseId, studyUid);
        audit.details = { results: result.items.length };
        return result;
      });
    },

    /** Saves measurements on images of the study: every one names an instance (and frame) of it, or none is saved. */
    save(actor: Actor, caseId: string, studyUid: string, body: z.output<typeof saveMeasurementsBody>) {
      return gate.run(actor, 'case.measurements_write', caseId, async ({ tx, audit }) => {
        audit.details = { count: body.items.length };
        if (!(await repo.studyExists(tx, caseId, studyUid))) throw notFound();
        const instances = await repo.instancesOfStudy(tx, caseId, studyUid, [...new Set(body.items.map((m) => m.sopInstanceUid))]);
        const wrong = body.items.findIndex((m) => {
          const i = instances.get(m.sopInstanceUid);
          return !i || i.series !== m.seriesInstanceUid || m.frame > i.frames;
        });
        if (wrong >= 0) throw badRequest('measurement_image_unknown', { item: wrong });
        const authorId = userOf(actor)?.id ?? null;
        const saved = await repo.insertMeasurements(
          tx,
          body.items.map((m) => ({ caseId, studyInstanceUid: studyUid, ...m, authorId })),
        );
        audit.details.ids = saved.map((s) => s.id);
        return list(tx, actor, caseId, studyUid);
      });
    },

    /** Deletes a measurement: its author, or a manager. */
    remove(actor: Actor, caseId: string, id: string) {
      return gate.run(actor, 'case.measurements_write', caseId, async ({ tx, audit }) => {
        audit.details = { measurement: id, deleted: true };
        const row = await repo.findMeasurement(tx, caseId, id);
        if (!row) throw notFound();
        const me = userOf(actor);
        if (!me || (row.authorId !== me.id && !MANAGERS.has(me.role))) throw forbidden();
        await repo.deleteMeasurement(tx, id);
        return list(tx, actor, caseId, row.studyInstanceUid);
      });
    },
  };
}
