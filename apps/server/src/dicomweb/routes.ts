import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';
import type { Multipart } from './service.ts';

/** A patient's images: never kept by a browser or a proxy, never sniffed as another type. */
const privateData = (reply: FastifyReply) => reply.header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff');
const json = (reply: FastifyReply) => privateData(reply).type('application/dicom+json');
/** Frames of one instance also say their transfer syntax on the whole answer, as viewers read it there too. */
const parts = (reply: FastifyReply, m: Multipart) =>
  privateData(reply)
    .header('content-type', `multipart/related; type="${m.type}"${m.transferSyntax ? `; transfer-syntax=${m.transferSyntax}` : ''}; boundary=${m.boundary}`)
    .send(m.body);

/** DICOMweb under /api/v1/dicomweb (service.ts): QIDO-RS searches and WADO-RS retrievals. */
export const dicomwebRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { dicomweb } }) => {
  route(app, C.searchDicomStudies, async (req, reply) => json(reply).send(await dicomweb.searchStudies(actorOf(req), req.query)));
  route(app, C.searchDicomSeries, async (req, reply) => json(reply).send(await dicomweb.searchSeries(actorOf(req), req.params.studyUid, req.query)));
  route(app, C.searchDicomStudyInstances, async (req, reply) => json(reply).send(await dicomweb.searchInstances(actorOf(req), req.params.studyUid, undefined, req.query)));
  route(app, C.searchDicomInstances, async (req, reply) => json(reply).send(await dicomweb.searchInstances(actorOf(req), req.params.studyUid, req.params.seriesUid, req.query)));

  route(app, C.retrieveDicomStudy, async (req, reply) => parts(reply, await dicomweb.retrieve(actorOf(req), { study: req.params.studyUid })));
  route(app, C.retrieveDicomSeries, async (req, reply) => parts(reply, await dicomweb.retrieve(actorOf(req), { study: req.params.studyUid, series: req.params.seriesUid })));
  route(app, C.retrieveDicomInstance, async (req, reply) =>
    parts(reply, await dicomweb.retrieve(actorOf(req), { study: req.params.studyUid, series: req.params.seriesUid, instance: req.params.instanceUid })),
  );

  route(app, C.retrieveDicomStudyMetadata, async (req, reply) => json(reply).send(await dicomweb.metadata(actorOf(req), { study: req.params.studyUid })));
  route(app, C.retrieveDicomSeriesMetadata, async (req, reply) => json(reply).send(await dicomweb.metadata(actorOf(req), { study: req.params.studyUid, series: req.params.seriesUid })));
  route(app, C.retrieveDicomInstanceMetadata, async (req, reply) =>
    json(reply).send(await dicomweb.metadata(actorOf(req), { study: req.params.studyUid, series: req.params.seriesUid, instance: req.params.instanceUid })),
  );

  route(app, C.retrieveDicomFrames, async (req, reply) => {
    const { studyUid, seriesUid, instanceUid, frames } = req.params;
    return parts(reply, await dicomweb.frames(actorOf(req), { study: studyUid, series: seriesUid, instance: instanceUid }, frames.split(',').map(Number)));
  });
};
