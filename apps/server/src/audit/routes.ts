import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

export const auditRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { auditLog } }) => {
  route(app, C.searchAudit, async (req) => {
    const { items, total } = await auditLog.search(actorOf(req), req.query);
    return {
      items: items.map((e) => ({
        id: e.id,
        at: e.at.toISOString(),
        actor: e.actorLabel,
        actorUserId: e.actorUserId,
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
};
