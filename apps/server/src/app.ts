import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import { createServices, STAGING_DAYS, type Services } from './services.ts';
import { requestContext } from './http/context.ts';
import { installErrorHandler, installNotFoundHandler, serializeError } from './http/error-handler.ts';
import { validatorCompiler } from './http/validation.ts';
import { route } from './http/route.ts';
import { CONTRACTS } from '@kakehashi/core';
import { auditRoutes } from './audit/routes.ts';
import { authRoutes } from './auth/routes.ts';
import { caseRoutes } from './cases/routes.ts';
import { triageRoutes } from './cases/triage-routes.ts';
import { schedulingRoutes } from './scheduling/routes.ts';
import { visitRecordRoutes } from './visit-records/routes.ts';
import { patientWordsRoutes } from './patient-words/routes.ts';
import { tokenRoutes } from './auth/token-routes.ts';
import { healthRoutes } from './health/routes.ts';
import { hospitalRoutes } from './hospital/routes.ts';
import { institutionRoutes } from './institutions/routes.ts';
import { outboxRoutes } from './notifications/routes.ts';
import { registerEmailDelivery } from './notifications/worker.ts';
import { createJobWorker, type JobWorker } from './jobs/worker.ts';
import { userRoutes } from './users/routes.ts';
import { uploadRoutes } from './uploads/routes.ts';
import { recordsRoutes } from './records/routes.ts';
import { pacsRoutes } from './pacs/routes.ts';
import { measurementRoutes } from './measurements/routes.ts';
import { registerPacsExport } from './pacs/export.ts';
import { dicomwebRoutes } from './dicomweb/routes.ts';
import { registerIngest } from './records/ingest.ts';
import { clamdScanner } from './records/scan.ts';
import { registerStorageJobs, scheduleStorageJobs } from './storage/retention.ts';
import { storageRoutes } from './storage/routes.ts';
import { registerSurveyJobs } from './surveys/service.ts';
import { registerFollowUpJobs } from './visit-records/service.ts';
import { surveyRoutes } from './surveys/routes.ts';
import { indicatorRoutes } from './indicators/routes.ts';
import { statsRoutes } from './stats/routes.ts';
import { reportRoutes } from './reports/routes.ts';
import { VERSION } from './version.ts';
import { webApp } from './web/routes.ts';
import { hospitalIdentityFrom, type HospitalIdentitySource } from './web/hospital.ts';

/** Content types worth compressing. */
const COMPRESSIBLE = /^text\/(?!event-stream)|[/+]json(?:;|$)|[/+]xml(?:;|$)|javascript|svg/;

/**
 * Headers that only mean something on a document. A slow link pays for every header byte of every
 * file (HTTP/1.1 does not compress them): the hashed scripts and styles go without them.
 */
const DOCUMENT_ONLY_HEADERS = ['content-security-policy', 'cross-origin-opener-policy', 'origin-agent-cluster', 'referrer-policy', 'x-dns-prefetch-control', 'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];
/** A hashed asset never changes under its name and is cached for a year: validators would never be used. */
const UNUSED_ON_IMMUTABLE = ['etag', 'last-modified', 'accept-ranges'];

/** How often the audit sealer runs: events stay unsealed (checked only once sealed) at most this long. */
const AUDIT_SEAL_MS = 2_000;

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    /** This process's job worker (null when it runs no background work). */
    jobs: JobWorker | null;
    routeTable: { method: string; url: string; action?: string }[];
  }
}

export interface AppOptions {
  config: Config;
  db: Db;
  /** Run background work in this process: the job worker (e-mail delivery when SMTP is configured) and the audit sealer. */
  worker?: boolean;
  logger?: boolean;
  /** Where logs go (standard output by default); tests read them. */
  logStream?: NodeJS.WritableStream;
  /** The web app's build to serve (apps/web/dist by default). */
  webDist?: string;
  /** The hospital's name and contact for the page shell; by default its identity settings. */
  hospital?: HospitalIdentitySource;
}

/** The whole HTTP app, assembled in order: platform, then request context, then routes, then the web app. */
export async function buildApp({ config, db, worker = true, logger = true, logStream, webDist = WEB_DIST, hospital }: AppOptions): Promise<FastifyInstance> {
  const loggerOptions: FastifyServerOptions['logger'] = logger && {
    level: config.logLevel,
    // Tokens travel in headers and query strings (reset links): never log them, nor any body.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
    serializers: {
      req: (req) => ({ method: req.method, url: req.url.split('?')[0], remoteAddress: req.ip }),
      // A failed query's parameters are patient data: see serializeError.
      err: serializeError,
    },
    ...(logStream ? { stream: logStream } : {}),
  };
  const app = Fastify({ logger: loggerOptions, trustProxy: config.trustProxy, bodyLimit: 1024 * 1024 }).withTypeProvider<ZodTypeProvider>();
  // Every route, as registered: a test checks each API route has a contract and a policy action.
  const routeTable: { method: string; url: string; action?: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routeTable.push({ method, url: r.url, action: r.config?.action });
  });
  app.decorate('routeTable', routeTable);

  // Platform
  // An empty JSON body (a POST that carries nothing, like a booking) is no body, not an error.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body === '' ? done(null, undefined) : parseJson(req, body as string, done),
  );
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // Sent only over HTTPS (below): a plain-HTTP demo must not pin browsers to HTTPS.
    strictTransportSecurity: false,
  });
  // Brotli or gzip for every compressible answer; static files come precompressed from the build.
  // (Not octet-stream, which @fastify/compress would: the speed probe's random bytes must go as they are.)
  if (!config.webBaseline) await app.register(compress, { global: true, encodings: ['br', 'gzip'], threshold: 1024, customTypes: COMPRESSIBLE });
  app.addHook('onSend', async (req, reply) => {
    if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    // API answers are not cached, unless a route says otherwise (the hospital's logo).
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    else if (req.url.startsWith('/assets/') && reply.statusCode === 200 && !config.webBaseline) for (const h of [...DOCUMENT_ONLY_HEADERS, ...UNUSED_ON_IMMUTABLE]) reply.removeHeader(h);
  });

  const jobs = worker ? createJobWorker({ db, logger: app.log }) : null;
  const services = createServices(db, config, { onMailQueued: () => jobs?.wake(), onJobQueued: () => jobs?.wake() });
  // Cases from before the statistics' table get their fact rows (once; later writes keep them current).
  await services.facts.backfill();
  // Without a mail server, e-mail jobs wait in the outbox for a process that has one.
  const closeMail =
    jobs && config.smtpUrl
      ? registerEmailDelivery(jobs, { db, smtpUrl: config.smtpUrl, from: config.mailFrom, logger: app.log, links: services.links, sender: (locale) => services.hospital.sender(locale) })
      : null;
  if (jobs) registerIngest(jobs, {
      db,
      staging: services.staging,
      blobs: services.blobs,
      logger: app.log,
      maxArchiveBytes: config.uploadLimits.caseBytes,
      scanner: config.clamd ? clamdScanner(config.clamd) : undefined,
    });
  if (jobs) registerStorageJobs(jobs, { db, blobs: services.blobs, staging: services.staging, audit: services.audit, retentionDays: config.retentionDays, logger: app.log });
  if (jobs) registerPacsExport(jobs, { db, blobs: services.blobs, audit: services.audit, secret: config.secret, logger: app.log });
  if (jobs) registerSurveyJobs(jobs, services.surveys);
  if (jobs) registerFollowUpJobs(jobs, services.visitRecords);
  jobs?.start();
  app.decorate('services', services);
  app.decorate('jobs', jobs);
  // Hourly: expired sessions and links go; runs in every process, harmlessly. The day's retention run
  // and orphan-blob cleanup are queued once a day (a key per day), for whichever process has a worker.
  const housekeeping = setInterval(() => {
    void scheduleStorageJobs(db).then(() => jobs?.wake(), (err) => app.log.warn({ err }, 'scheduling storage jobs failed'));
    void services.auth.housekeeping().catch((err) => app.log.warn({ err }, 'housekeeping failed'));
    void services.uploads.expire(services.staging, STAGING_DAYS).catch((err) => app.log.warn({ err }, 'expiring uploads failed'));
  }, 3_600_000);
  housekeeping.unref();
  // Every few seconds, and on a graceful stop: seal the audit events that can no longer change and
  // move the checkpoint, so little is ever unsealed. Every process may try; one seals at a time.
  let sealError = '';
  // One seal at a time in this process: the one on a graceful stop waits for a periodic one in flight.
  let sealing: Promise<void> = Promise.resolve();
  const seal = () =>
    (sealing = sealing.then(() =>
      services.audit.seal().then(
        () => void (sealError = ''),
        (err: Error) => {
          if (err.message !== sealError) app.log.error({ err: { type: err.name, message: err.message } }, 'audit sealing stopped');
          sealError = err.message;
        },
      ),
    ));
  const sealer = worker ? setInterval(() => void seal(), AUDIT_SEAL_MS) : null;
  sealer?.unref();
  app.addHook('onClose', async () => {
    clearInterval(housekeeping);
    if (sealer) {
      clearInterval(sealer);
      await seal();
    }
    // Fresh-link searches answered already but still running finish before the database closes.
    await services.cases.idle();
    await jobs?.stop();
    closeMail?.();
  });
  installErrorHandler(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kakehashi API',
        version: VERSION,
        description: 'Remote second opinions and case conferences.',
        // The repository's licence (package.json); the OpenAPI test holds the two together.
        license: { name: 'GNU Affero General Public License v3.0 or later', identifier: 'AGPL-3.0-or-later' },
      },
      servers: [{ url: config.publicUrl, description: 'This server' }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'kh_session', description: 'The session cookie set by sign-in' },
          csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'The session’s CSRF token (from sign-in or GET /me), sent with every write made with the session cookie' },
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (kh_…), acting as the user it was issued for' },
          guest: { type: 'http', scheme: 'bearer', description: 'A guest link token (kg.…) from a portal link: one case, for the patient side' },
        },
      },
    },
    // A HEAD operation of its own (tus's offset) keeps its contract's operationId: @fastify/swagger
    // would add "-head", meant for the HEAD twin Fastify makes of every GET (not documented).
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      const id = (out.schema as { operationId?: string }).operationId;
      if (input.route.method === 'HEAD' && id?.endsWith('-head')) (out.schema as { operationId?: string }).operationId = id.slice(0, -'-head'.length);
      return out;
    },
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
  });

  // Request context: who is calling
  await app.register(requestContext, { db, audit: services.audit, auth: services.auth, tokens: services.tokens, guestLinks: services.guestLinks });

  // Routes
  await app.register(
    async (api) => {
      await api.register(healthRoutes, { db });
      route(api, CONTRACTS.getOpenApi, async () => app.swagger());
      await api.register(authRoutes, { services, secureCookies: config.publicUrl.startsWith('https:') });
      await api.register(institutionRoutes, { services });
      await api.register(userRoutes, { services });
      await api.register(tokenRoutes, { services });
      await api.register(outboxRoutes, { services });
      await api.register(auditRoutes, { services });
      await api.register(caseRoutes, { services });
      await api.register(triageRoutes, { services });
      await api.register(schedulingRoutes, { services });
      await api.register(visitRecordRoutes, { services });
      await api.register(patientWordsRoutes, { services });
      await api.register(hospitalRoutes, { services });
      await api.register(uploadRoutes, { services });
      await api.register(recordsRoutes, { services });
      await api.register(pacsRoutes, { services });
      await api.register(measurementRoutes, { services });
      await api.register(dicomwebRoutes, { services });
      await api.register(storageRoutes, { services });
      await api.register(surveyRoutes, { services });
      await api.register(indicatorRoutes, { services });
      await api.register(reportRoutes, { services });
      await api.register(statsRoutes, { services });
    },
    { prefix: '/api/v1' },
  );

  // The web app: files as they are on disk now; other page addresses (deep links) get the rendered
  // index.html from the not-found handler, but a missing /assets/ file is a real 404, never a page.
  const page = await webApp(app, { dist: webDist, plain: config.webBaseline, hospital: hospital ?? hospitalIdentityFrom(services.hospital) });
  installNotFoundHandler(app, { page });

  return app;
}
