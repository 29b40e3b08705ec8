import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { translator } from '../i18n.ts';
import { route } from '../http/route.ts';
import { actorLabel } from '../auth/principal.ts';
import { auditCsv } from './csv.ts';

export const auditRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { auditLog } }) => {
  route(app, C.searchAudit, async (req) => {
    const { items, total } = await auditLog.search(actorOf(req), req.query);
    return {
      items: items.map((e) => ({
        id: e.id,
        at: e.at.toISOString(),
        actor: e.actorLabel,
        actorUserId: e.actorUserId,
        actorName: e.actorName,
        action: e.action,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        outcome: e.outcome,
        ip: e.ip,
        details: e.details,
      })),
      total,
      page: req.query.page,
      pageSize: req.query.pageSize,
    };
  });

  route(app, C.getAuditStatus, async (req) => auditLog.status(actorOf(req)));

  route(app, C.getCaseAudit, async (req) => {
    const { items, total } = await auditLog.caseTrail(actorOf(req), req.params.id, req.query);
    return {
      items: items.map((e) => ({ id: e.id, at: e.at.toISOString(), actor: e.actorLabel, actorName: e.actorName, action: e.action, outcome: e.outcome })),
      total,
      page: req.query.page,
      pageSize: req.query.pageSize,
    };
  });

  route(app, C.exportAudit, async (req, reply) => {
    const actor = actorOf(req);
    const { from, to } = req.query;
    const exported = await auditLog.export(actor, { from, to });
    const p = actor.principal;
    const csv = auditCsv({
      t: translator(req.query.locale ?? actor.locale),
      period: { from, to },
      exportedAt: new Date(),
      exportedBy: p?.kind === 'user' ? `${p.user.name} <${p.user.email}>` : (actorLabel(p) ?? ''),
      throughId: exported.throughId,
      verification: exported.verification,
      rows: exported.rows(),
    });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="kakehashi-audit-${from}-${to}.csv"`)
      .send(Readable.from(csv));
  });
};
