import type { FastifyPluginAsync } from 'fastify';
import { CONTRACTS as C } from '@kakehashi/core';
import type { Services } from '../services.ts';
import { actorOf } from '../http/context.ts';
import { route } from '../http/route.ts';
import { notFound } from '../errors.ts';

export const hospitalRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: { hospital } }) => {
  route(app, C.getHospital, async () => hospital.settings());
  route(app, C.getHospitalLogo, async (req, reply) => {
    const logo = await hospital.logo();
    if (!logo) throw notFound();
    return (
      reply
        .header('content-type', logo.type)
        // An SVG opened on its own runs no script and loads nothing: it is only ever a picture.
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', 'inline; filename="logo"')
        // The versioned address never changes its content; the bare one may, at the next upload.
        .header('cache-control', req.query.v ? 'public, max-age=31536000, immutable' : 'public, max-age=300')
        .send(logo.bytes)
    );
  });
  route(app, C.updateHospitalSettings, async (req) => hospital.update(actorOf(req), req.body));
  route(app, C.setHospitalLogo, async (req) => hospital.setLogo(actorOf(req), req.body));
};
