import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { DEFAULT_LOCALE, localeFromAcceptLanguage, type Locale } from '@kakehashi/core/i18n';
import { isLocale } from '../i18n.ts';
import { defaultHospitalIdentity, type HospitalIdentitySource } from './hospital.ts';
import { renderIndex, STAFF_VIEWER_PAGE, type PageData, type Preload } from './shell.ts';

/** The cookie the web app sets when the user picks a language (apps/web/src/lib/i18n.ts). */
export const LOCALE_COOKIE = 'kakehashi.locale';
/** Hashed file names never change content: cached for a year, never revalidated. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * Files without a hash (the logo, the no-JavaScript stylesheet): kept five minutes, so the logo the
 * shell shows, the page's and the tab's icon cost one request on a slow link, not three.
 */
export const SHORT = 'public, max-age=300';

export interface WebOptions {
  /** The web app's build (apps/web/dist). */
  dist: string;
  /**
   * Benchmark baseline only: files uncompressed and revalidated on every visit, as the web app was
   * served before (bench/web.ts compares against it).
   */
  plain?: boolean;
  hospital?: HospitalIdentitySource;
}

/**
 * The language of a page: the one its address names (`?lang=`, an upload-request link made for a
 * recipient in their language), else the one the user picked (cookie), else Accept-Language, else
 * the default.
 */
export function pageLocale(req: FastifyRequest): Locale {
  const named = new URLSearchParams(req.url.split('?')[1] ?? '').get('lang');
  if (isLocale(named)) return named;
  const chosen = req.cookies?.[LOCALE_COOKIE];
  if (isLocale(chosen)) return chosen;
  return localeFromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LOCALE;
}

/** The image viewer's addresses, staff's (apps/web App.tsx) and the patient's (the portal's): the pages whose policy allows more, below. */
export const VIEWER_PAGE = new RegExp(`${STAFF_VIEWER_PAGE.source}|^\\/portal\\/viewer$`);
/**
 * What the viewer's page adds to the content security policy: its image decoders are WebAssembly
 * ('wasm-unsafe-eval' compiles it, nothing else), and its tools' cursors are images it draws (blob:).
 */
const VIEWER_CSP: Record<string, string> = { 'script-src': "'wasm-unsafe-eval'", 'img-src': 'blob:' };

/** A policy with sources added to some of its directives. */
export function widenCsp(policy: string, add: Record<string, string>): string {
  return policy
    .split(';')
    .map((directive) => {
      const name = directive.trim().split(/\s+/)[0] ?? '';
      return add[name] ? `${directive} ${add[name]}` : directive;
    })
    .join(';');
}

/**
 * The public API answers a patient page reads as soon as it starts (apps/web/src/lib/query.ts),
 * by name: written into the page itself, they cost no round trip on a far link. Only public,
 * unaudited reads belong here (the page is the same for everyone in a language).
 */
const PAGE_DATA: Record<string, (locale: Locale) => Record<string, string>> = {
  '/request': (locale) => ({ hospital: '/api/v1/hospital', consent: `/api/v1/consent/current?locale=${locale}`, departments: '/api/v1/departments' }),
  '/portal': () => ({ hospital: '/api/v1/hospital' }),
  '/portal/viewer': () => ({ hospital: '/api/v1/hospital' }),
  '/device-check': () => ({ hospital: '/api/v1/hospital' }),
  '/send': () => ({ hospital: '/api/v1/hospital' }),
  '/letter': () => ({ hospital: '/api/v1/hospital' }),
};

/** The page's data, read through the API itself (same answers, same checks); a read that fails is left to the page. */
async function pageData(app: FastifyInstance, pathname: string, locale: Locale): Promise<PageData | null> {
  const reads = PAGE_DATA[pathname]?.(locale);
  if (!reads) return null;
  const answers = await Promise.all(
    Object.entries(reads).map(async ([name, url]) => {
      const res = await app.inject({ method: 'GET', url, headers: { 'accept-language': locale } });
      return res.statusCode === 200 ? [[name, res.json() as unknown] as const] : [];
    }),
  );
  return { locale, ...Object.fromEntries(answers.flat()) };
}

/**
 * Serves the web app: hashed assets (precompressed .br/.gz) as immutable, other files for minutes,
 * and every page address as index.html rendered for the request (see shell.ts). Returns the page
 * renderer for the not-found handler (deep links), or null when there is no build.
 */
export async function webApp(app: FastifyInstance, opts: WebOptions): Promise<((req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) | null> {
  const indexFile = path.join(opts.dist, 'index.html');
  if (!existsSync(indexFile)) return null;
  const template = readFileSync(indexFile, 'utf8');
  const preloadFile = path.join(opts.dist, '.vite/kakehashi-preload.json');
  const preload = existsSync(preloadFile) ? (JSON.parse(readFileSync(preloadFile, 'utf8')) as Preload) : null;
  const hospital = opts.hospital ?? defaultHospitalIdentity;

  await app.register(fastifyStatic, {
    root: opts.dist,
    index: false,
    schemaHide: true,
    preCompressed: !opts.plain,
    // The build's manifest is for the server; index.html is rendered per request.
    allowedPath: (pathname) => !pathname.startsWith('/.vite') && pathname !== '/index.html',
    ...(opts.plain
      ? {}
      : {
          cacheControl: false,
          setHeaders: (res, file) => {
            const underAssets = path.relative(opts.dist, file).split(path.sep)[0] === 'assets';
            res.header('cache-control', underAssets ? IMMUTABLE : SHORT);
          },
        }),
  });

  const page = async (req: FastifyRequest, reply: FastifyReply) => {
    const locale = pageLocale(req);
    const pathname = req.url.split('?')[0];
    const [identity, data] = await Promise.all([hospital(locale), opts.plain ? null : pageData(app, pathname, locale)]);
    const html = renderIndex(template, { locale, pathname, hospital: identity, preload, data });
    const csp = reply.getHeader('content-security-policy');
    if (VIEWER_PAGE.test(pathname) && typeof csp === 'string') reply.header('content-security-policy', widenCsp(csp, VIEWER_CSP));
    return reply
      .header('cache-control', 'no-cache')
      .header('content-language', locale)
      .header('vary', 'accept-language, cookie')
      .type('text/html; charset=utf-8')
      .send(html);
  };
  app.get('/', { schema: { hide: true } }, page);
  app.get('/index.html', { schema: { hide: true } }, page);
  return page;
}
