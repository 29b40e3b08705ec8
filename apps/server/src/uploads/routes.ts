import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Metadata, Server } from '@tus/server';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';
import { badRequest } from '../errors.ts';

/** The id the gate recorded for an upload being started, by its raw request, for tus's naming function. */
const started = new WeakMap<IncomingMessage, string>();
const rawOf = (req: unknown) => (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;

/**
 * The tus 1.0 endpoint (@tus/server over the sealed staging store): each request is decided first
 * (uploads/service.ts: starting against the case its metadata names, everything later against the
 * upload's case), then handed to tus with the raw request and response. Errors before the hand-over
 * are the API's usual translated JSON; tus's own protocol answers (a wrong offset, 409) are its.
 */
export const uploadRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const { uploads, staging, uploadLimits } = services;
  const tus = new Server({
    path: '/api/v1/uploads',
    datastore: staging,
    locker: uploads.locker,
    maxSize: uploadLimits.fileBytes,
    relativeLocation: true,
    // Same origin only: the patient's page and the staff console are served from here.
    allowedOrigins: [],
    namingFunction: (req) => {
      const raw = rawOf(req);
      return (raw && started.get(raw)) ?? '';
    },
    onUploadFinish: async (_req, upload) => {
      await uploads.received(upload.id, upload.size ?? upload.offset, upload.metadata);
      return {};
    },
  });
  const handOver = async (req: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await tus.handle(req.raw, reply.raw);
  };

  const { uploadLinks } = services;
  route(app, C.createUploadLink, async (req, reply) => reply.status(201).send(await uploadLinks.create(actorOf(req), req.params.id, req.body)));
  route(app, C.listUploadLinks, async (req) => uploadLinks.list(actorOf(req), req.params.id));
  route(app, C.extendUploadLink, async (req) => uploadLinks.extend(actorOf(req), req.params.id, req.params.linkId, req.body.days));
  route(app, C.revokeUploadLink, async (req) => uploadLinks.revoke(actorOf(req), req.params.id, req.params.linkId));
  route(app, C.getUploadLink, async (req) => uploadLinks.opened(actorOf(req)));

  await app.register(async (scope) => {
    // The bytes are tus's to read, as they stream: Fastify leaves the body alone.
    scope.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));
    route(scope, C.startUpload, async (req, reply) => {
      const header = req.headers['upload-metadata'];
      let metadata: Record<string, string | null>;
      try {
        metadata = Metadata.parse(typeof header === 'string' ? header : undefined);
      } catch {
        throw badRequest('upload_metadata');
      }
      const length = Number(req.headers['upload-length']);
      const id = await uploads.start(actorOf(req), Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, v ?? undefined])), Number.isSafeInteger(length) && length >= 0 ? length : null);
      started.set(req.raw, id);
      return handOver(req, reply);
    });
    route(scope, C.getUploadOffset, async (req, reply) => {
      const upload = await uploads.admit(actorOf(req), req.params.id, 'upload.continue');
      // All of it arrived (its staging file may be gone, taken into the case's records): a client
      // that resumes it — the patient dropped the same folder again after a reload — sends nothing.
      if (upload.received && upload.size !== null) {
        return reply
          .status(200)
          .headers({ 'tus-resumable': '1.0.0', 'upload-offset': String(upload.size), 'upload-length': String(upload.size), 'cache-control': 'no-store' })
          .send();
      }
      return handOver(req, reply);
    });
    route(scope, C.continueUpload, async (req, reply) => {
      await uploads.admit(actorOf(req), req.params.id, 'upload.continue');
      return handOver(req, reply);
    });
    route(scope, C.cancelUpload, async (req, reply) => {
      await uploads.admit(actorOf(req), req.params.id, 'upload.cancel');
      return handOver(req, reply);
    });
  });
};
