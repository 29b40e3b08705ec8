import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { create as contentDisposition } from 'content-disposition';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';

/** A PDF of the case: never kept by a browser or a proxy, never sniffed as another type. */
const sendPdf = (reply: FastifyReply, { bytes, filename }: { bytes: Buffer; filename: string }) =>
  reply
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .header('content-type', 'application/pdf')
    .header('content-disposition', contentDisposition(filename))
    .send(bytes);

export const reportRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { reports, followUps, sharing } }) => {
  route(app, C.getCaseReport, async (req) => reports.read(actorOf(req), req.params.id));
  route(app, C.saveReportOriginal, async (req) => reports.saveOriginal(actorOf(req), req.params.id, req.body));
  route(app, C.saveReportTranslation, async (req) => reports.saveTranslation(actorOf(req), req.params.id, req.params.language, req.body));
  route(app, C.markReportTranslationReady, async (req) => reports.markReady(actorOf(req), req.params.id, req.params.language, req.body.version));
  route(app, C.signReport, async (req) => reports.sign(actorOf(req), req.params.id, req.params.language, req.body.version));
  route(app, C.amendReport, async (req) => reports.amend(actorOf(req), req.params.id, req.body));
  route(app, C.getReportPdf, async (req, reply) => sendPdf(reply, await reports.pdf(actorOf(req), req.params.id, req.query.lang)));
  route(app, C.getReportSummary, async (req) => reports.summary(actorOf(req), req.params.id));
  route(app, C.listFollowUpQuestions, async (req) => followUps.list(actorOf(req), req.params.id));
  route(app, C.askFollowUpQuestion, async (req, reply) => reply.status(201).send(await followUps.ask(actorOf(req), req.params.id, req.body)));
  route(app, C.translateFollowUpQuestion, async (req) => followUps.translate(actorOf(req), req.params.id, req.params.number, req.body));
  route(app, C.answerFollowUpQuestion, async (req) => followUps.answer(actorOf(req), req.params.id, req.params.number, req.body));
  route(app, C.verifyReport, async (req) => reports.verify(actorOf(req), req.params.code));

  route(app, C.getReportSharing, async (req) => sharing.consent(actorOf(req), req.params.id));
  route(app, C.setReportSharing, async (req) => sharing.setConsent(actorOf(req), req.params.id, req.body.given));
  route(app, C.getReplyLetter, async (req) => sharing.letter(actorOf(req), req.params.id));
  route(app, C.writeReplyLetter, async (req) => sharing.writeLetter(actorOf(req), req.params.id, req.body));
  route(app, C.getReplyLetterPdf, async (req, reply) => sendPdf(reply, await sharing.letterPdf(actorOf(req), req.params.id)));
  route(app, C.getSharedDocuments, async (req) => sharing.shared(actorOf(req), req.params.id));
  route(app, C.getReportLink, async (req) => sharing.opened(actorOf(req)));
  route(app, C.getSharedReportPdf, async (req, reply) => sendPdf(reply, await sharing.reportPdf(actorOf(req), req.params.id, req.query.lang)));
  route(app, C.createReportLink, async (req, reply) => reply.status(201).send(await sharing.createLink(actorOf(req), req.params.id, req.body)));
  route(app, C.listReportLinks, async (req) => sharing.listLinks(actorOf(req), req.params.id));
  route(app, C.revokeReportLink, async (req) => sharing.revokeLink(actorOf(req), req.params.id, req.params.linkId));
};
