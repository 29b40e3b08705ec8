import type { z } from 'zod';
import type { createPacsDestinationBody, hospitalPatientIdBody, pacsDestination, pacsExport, pacsSendBody, updatePacsDestinationBody } from '@kakehashi/core';
import type { Gate } from '../access/gate.ts';
import { seal } from '../auth/crypto.ts';
import type { Actor } from '../auth/principal.ts';
import type { CaseRow } from '../cases/service.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { enqueue } from '../jobs/queue.ts';
import { PACS_EXPORT_JOB, PACS_SECRET_SEAL } from './export.ts';
import * as repo from './repo.ts';

export type PacsService = ReturnType<typeof createPacsService>;

const destinationView = (d: repo.DestinationRow): z.output<typeof pacsDestination> => ({
  id: d.id,
  name: d.name,
  url: d.url,
  authKind: d.authKind,
  authUser: d.authUser,
  hasSecret: !!d.authSecret,
  patientIdMode: d.patientIdMode,
  issuer: d.issuer,
  disabled: !!d.disabledAt,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

const exportView = (r: Awaited<ReturnType<typeof repo.listExports>>[number]): z.output<typeof pacsExport> => ({
  id: r.export.id,
  destination: { id: r.export.destinationId, name: r.destinationName },
  studyInstanceUid: r.export.studyInstanceUid,
  seriesInstanceUid: r.export.seriesInstanceUid,
  status: r.export.status,
  total: r.export.total,
  sent: r.sent,
  failed: r.failed,
  attempts: r.export.attempts,
  lastError: r.export.lastError,
  failures: r.failures.map((i) => ({ sopInstanceUid: i.sopInstanceUid, reason: i.reason ?? '' })),
  requestedBy: r.requestedBy,
  createdAt: r.export.createdAt.toISOString(),
  finishedAt: r.export.finishedAt?.toISOString() ?? null,
});

/**
 * The hospital's PACS: destinations (DICOMweb STOW-RS servers, their credentials sealed with the
 * server secret), the hospital's patient ID on a case, and exports of a case's study or series,
 * each sent by a job (export.ts) and reported on the case.
 */
export function createPacsService(deps: { gate: Gate<CaseRow>; secret: string; onQueued?: () => void }) {
  const { gate } = deps;

  /** The stored credentials after a change: a new secret sealed, none without authentication, else as they were. */
  function credentials(kind: repo.DestinationRow['authKind'], user: string | null | undefined, secret: string | null | undefined, current: repo.DestinationRow | null) {
    if (kind === 'none') return { authUser: null, authSecret: null };
    const authSecret = secret ? seal(deps.secret, PACS_SECRET_SEAL, secret) : secret === null ? null : (current?.authKind === kind ? current.authSecret : null);
    const authUser = kind === 'basic' ? (user === undefined ? (current?.authUser ?? null) : user) || null : null;
    if (!authSecret || (kind === 'basic' && !authUser)) throw badRequest('pacs_auth_incomplete');
    return { authUser, authSecret };
  }

  return {
    listDestinations(actor: Actor) {
      return gate.run(actor, 'pacs_destinations.read', null, async ({ tx }) => ({ items: (await repo.listDestinations(tx)).map(destinationView) }));
    },

    createDestination(actor: Actor, body: z.output<typeof createPacsDestinationBody>) {
      return gate.run(actor, 'pacs_destinations.create', null, async ({ tx, audit }) => {
        const row = await repo.insertDestination(tx, {
          name: body.name,
          url: body.url,
          authKind: body.authKind,
          ...credentials(body.authKind, body.authUser, body.secret, null),
          patientIdMode: body.patientIdMode,
          issuer: body.issuer,
        });
        if (!row) throw conflict('pacs_destination_name_taken');
        // What was set, never the secret.
        audit.subjectId = row.id;
        audit.details = { name: row.name, url: row.url, auth: row.authKind, patientIdMode: row.patientIdMode };
        return destinationView(row);
      });
    },

    updateDestination(actor: Actor, id: string, body: z.output<typeof updatePacsDestinationBody>) {
      return gate.run(actor, 'pacs_destinations.update', id, async ({ tx, audit }) => {
        audit.details = { fields: Object.keys(body).map((k) => (k === 'secret' ? 'secret' : k)) };
        const current = await repo.findDestination(tx, id);
        if (!current) throw notFound();
        const { disabled, secret, authUser, authKind, ...fields } = body;
        const auth = authKind !== undefined || secret !== undefined || authUser !== undefined ? { authKind: authKind ?? current.authKind, ...credentials(authKind ?? current.authKind, authUser, secret, current) } : {};
        const row = await repo.updateDestination(tx, id, { ...fields, ...auth, ...(disabled === undefined ? {} : { disabledAt: disabled ? new Date() : null }) });
        if (row === 'taken') throw conflict('pacs_destination_name_taken');
        return destinationView(row!);
      });
    },

    setHospitalPatientId(actor: Actor, caseId: string, body: z.output<typeof hospitalPatientIdBody>) {
      return gate.run(actor, 'case.hospital_patient_id', caseId, async ({ tx, audit, subject }) => {
        // Whether it was set or changed, never the ID itself.
        audit.details = { set: !!body.id, changed: subject.hospitalPatientId !== null && subject.hospitalPatientId !== body.id, issuer: !!body.issuer };
        await repo.setHospitalPatientId(tx, caseId, body);
        return { id: body.id, issuer: body.issuer };
      });
    },

    /**
     * Queues the export of a study (or one of its series) of the case to a destination. The same
     * images on their way to the same destination already: that export is the answer (no second job).
     */
    async send(actor: Actor, caseId: string, body: z.output<typeof pacsSendBody>): Promise<z.output<typeof pacsExport>> {
      const result = await gate.run(actor, 'case.pacs_send', caseId, async ({ tx, audit, subject }) => {
        const destination = await repo.findDestination(tx, body.destinationId);
        audit.details = { destination: body.destinationId };
        if (!destination || destination.disabledAt) throw badRequest('pacs_destination_unknown', { destinationId: 'unknown' });
        const study = await repo.studyOfCase(tx, caseId, body.studyInstanceUid, body.seriesInstanceUid);
        if (!study) throw notFound();
        // The study's own id, not its UID.
        audit.details = { destination: destination.id, study: study.id, ...(study.seriesId ? { series: study.seriesId } : {}) };
        if (study.review === 'held') throw conflict('pacs_study_held');
        if (destination.patientIdMode === 'hospital' && !subject.hospitalPatientId) throw conflict('pacs_patient_id_missing');
        const row = { caseId, destinationId: destination.id, studyInstanceUid: body.studyInstanceUid, seriesInstanceUid: body.seriesInstanceUid ?? null };
        const p = actor.principal;
        const created = await repo.insertExport(tx, { ...row, requestedBy: p?.kind === 'user' ? p.user.id : null });
        const e = created ?? (await repo.findOpenExport(tx, row));
        if (!e) throw conflict('changed_meanwhile');
        if (created) await enqueue(tx, PACS_EXPORT_JOB, { exportId: e.id }, { uniqueKey: `pacs-export:${e.id}` });
        audit.details.export = e.id;
        audit.details.queued = !!created;
        const [view] = await repo.listExports(tx, caseId, [e.id]);
        return { view: exportView(view), queued: !!created };
      });
      if (result.queued) deps.onQueued?.();
      return result.view;
    },

    listExports(actor: Actor, caseId: string) {
      return gate.run(actor, 'case.pacs_exports_read', caseId, async ({ tx, audit }) => {
        const rows = await repo.listExports(tx, caseId);
        audit.details = { results: rows.length };
        return { items: rows.map(exportView) };
      });
    },
  };
}
