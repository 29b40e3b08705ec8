import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { create as contentDisposition } from 'content-disposition';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';
import { DomainError } from '../errors.ts';

/** A file of a case is the patient's: never kept by a browser or a proxy, never sniffed as another type. */
const privateFile = (reply: FastifyReply) => reply.header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff');

export const recordsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { records } }) => {
  route(app, C.listCaseFiles, async (req) => records.list(actorOf(req), req.params.id));
  route(app, C.listCaseStudies, async (req) => records.studies(actorOf(req), req.params.id));
  route(app, C.deleteCaseFile, async (req, reply) => {
    await records.remove(actorOf(req), req.params.id, req.params.fileId);
    return reply.code(204).send();
  });
  route(app, C.acceptCaseFiles, async (req) => records.accept(actorOf(req), req.params.id));
  route(app, C.reviewCaseStudy, async (req) => records.review(actorOf(req), req.params.id, req.params.studyUid, req.body));

  route(app, C.getCaseFileContent, async (req, reply) => {
    const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    const ifRange = typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined;
    const sent = await records.fileContent(actorOf(req), req.params.id, req.params.fileId, { download: req.query.download === '1', range, ifRange }).catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'range_not_satisfiable') reply.header('content-range', `bytes */${String(err.vars.size)}`);
      throw err;
    });
    privateFile(reply)
      .header('accept-ranges', 'bytes')
      .header('etag', sent.etag)
      .header('content-type', sent.contentType)
      .header('content-disposition', sent.disposition)
      // Shown in the Records page's frame (same origin only), with nothing of its own to run or load.
      .header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'")
      .header('x-frame-options', 'SAMEORIGIN');
    if (sent.range) {
      reply.status(206).header('content-range', `bytes ${sent.range.start}-${sent.range.end}/${sent.size}`).header('content-length', sent.range.end - sent.range.start + 1);
    } else {
      reply.header('content-length', sent.size);
    }
    return reply.send(sent.stream);
  });

  route(app, C.getCaseFilePreview, async (req, reply) => {
    const jpeg = await records.preview(actorOf(req), req.params.id, req.params.fileId);
    return privateFile(reply)
      .header('content-type', 'image/jpeg')
      .header('content-disposition', 'inline; filename="preview.jpg"')
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'self'")
      .header('x-frame-options', 'SAMEORIGIN')
      .send(jpeg);
  });

  const zip = async (reply: FastifyReply, made: { stream: NodeJS.ReadableStream; size: number | null; filename: string }) => {
    privateFile(reply).header('content-type', 'application/zip').header('content-disposition', contentDisposition(made.filename));
    if (made.size !== null) reply.header('content-length', made.size);
    return reply.send(made.stream);
  };
  route(app, C.downloadStudy, async (req, reply) => zip(reply, await records.studyZip(actorOf(req), req.params.id, req.params.studyUid)));
  route(app, C.downloadSeries, async (req, reply) => zip(reply, await records.studyZip(actorOf(req), req.params.id, req.params.studyUid, req.params.seriesUid)));
};
