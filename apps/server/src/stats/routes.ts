import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CONTRACTS as C, IMPORT_MAX_BYTES } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';
import type { StatsAnswer } from './export.ts';

/** `format=` wins; otherwise `Accept: text/csv` asks for CSV. */
export const formatOf = (req: FastifyRequest, format: 'json' | 'csv' | 'xlsx' | undefined) => format ?? (/\btext\/csv\b/.test(req.headers.accept ?? '') ? 'csv' : 'json');

/** A table as JSON, or its export as an attachment. */
export function send<T>(reply: FastifyReply, answer: StatsAnswer<T>) {
  if ('table' in answer) return answer.table;
  return reply.header('content-type', answer.contentType).header('content-disposition', `attachment; filename="kakehashi-${answer.filename}"`).send(answer.file);
}

export const statsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { stats } }) => {
  route(app, C.getConsultationStats, async (req, reply) => send(reply, await stats.consultations(actorOf(req), req.query, formatOf(req, req.query.format))));
  // The history import's file: text, up to IMPORT_MAX_BYTES on this route only (this plugin's scope).
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_MAX_BYTES }, (_req, body, done) => done(null, body));
  route(app, C.importConsultations, async (req) => stats.import(actorOf(req), req.body, req.query.mode));
  route(app, C.getTimeStats, async (req, reply) => send(reply, await stats.times(actorOf(req), req.query, formatOf(req, req.query.format))));
  route(app, C.getStatsSummary, async (req, reply) => send(reply, await stats.summary(actorOf(req), req.query)));
  route(app, C.getSurveyStats, async (req, reply) => send(reply, await stats.surveys(actorOf(req), req.query, formatOf(req, req.query.format))));
};
