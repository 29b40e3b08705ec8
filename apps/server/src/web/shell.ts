import { LOCALES, type Locale } from '@kakehashi/core/i18n';
import { translator } from '../i18n.ts';
import type { HospitalIdentity } from './hospital.ts';

/** What the build says to preload (apps/web/build/catalogs.ts writes it). */
export interface Preload {
  pages: Record<string, string[]>;
  /** Per language, each patient catalog part's chunk. */
  catalogs: Record<string, Record<string, string>>;
  /** Per patient page address, the catalog parts it reads. */
  catalogParts: Record<string, string[]>;
  /** A page's own catalog chunk by language, for a page whose words the other patient pages do not carry. */
  pageCatalogs?: Record<string, Record<string, string>>;
  /** The staff image viewer's page: its chunks, and the staff catalog by language. */
  viewer?: { files: string[]; catalogs: Record<string, string> };
}

/** The staff image viewer's address (apps/web App.tsx). */
export const STAFF_VIEWER_PAGE = /^\/cases\/[^/]+\/viewer\/[^/]+$/;

/** API answers written into the page (routes.ts), by name, with the language they were read in. */
export type PageData = { locale: Locale } & Record<string, unknown>;

/** The id of the page's data block; apps/web/src/lib/query.ts reads it. */
export const PAGE_DATA_ID = 'kakehashi-data';

/**
 * JSON in a non-executed <script type="application/json"> block (the CSP allows it: nothing runs).
 * `<`, `>` and `&` are escaped so no text in the data can close the block or open a comment.
 */
const jsonBlock = (data: PageData) =>
  `<script type="application/json" id="${PAGE_DATA_ID}">${JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}</script>`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** The page's language first, then the other two: someone who opened the wrong language still reads one. */
const inOrder = (locale: Locale) => [locale, ...LOCALES.filter((l) => l !== locale)];

function contactLine(hospital: HospitalIdentity): string {
  const parts = [
    hospital.email && `<a href="mailto:${escapeHtml(hospital.email)}">${escapeHtml(hospital.email)}</a>`,
    hospital.phone && `<a href="tel:${escapeHtml(hospital.phone.replace(/[^\d+]/g, ''))}">${escapeHtml(hospital.phone)}</a>`,
  ].filter(Boolean);
  return parts.join(' · ');
}

/**
 * index.html for one request: in the caller's language, with a shell that paints before the
 * JavaScript arrives (the hospital's name and a "loading" line in three languages, styled by the
 * emitted stylesheet, so the CSP needs no inline code), a <noscript> message saying what to do,
 * and preloads for the opened page's chunks and the language's catalog.
 */
export function renderIndex(
  template: string,
  opts: { locale: Locale; pathname: string; hospital: HospitalIdentity; preload: Preload | null; /** API answers the page reads at once. */ data?: PageData | null },
): string {
  const { locale, hospital } = opts;
  const contact = contactLine(hospital);
  const loading = inOrder(locale)
    .map((l) => `<span lang="${l}">${escapeHtml(translator(l)('webShell.loading'))}</span>`)
    .join(' ');
  const noscript = inOrder(locale)
    .map((l) => {
      const t = translator(l);
      return (
        `<section lang="${l}"><h2>${escapeHtml(t('webShell.noscriptTitle'))}</h2><p>${escapeHtml(t('webShell.noscriptText'))}</p>` +
        // The contact line is built from escaped parts; the sentence around it is escaped here.
        (contact ? `<p>${escapeHtml(t('webShell.noscriptContact', { contact: '\u0000' })).replace('\u0000', contact)}</p>` : '') +
        '</section>'
      );
    })
    .join('');
  const shell =
    `<div class="boot"><header class="topbar"><div class="topbar__inner"><span class="brand"><img src="/favicon.svg" alt="" width="28" height="28" />` +
    `<span class="brand__name">${escapeHtml(hospital.name)}</span></span></div></header>` +
    `<p class="boot__loading" role="status">${loading}</p>` +
    `<noscript><div class="boot__noscript">${noscript}</div></noscript></div>`;
  const catalogs = (opts.preload?.catalogParts?.[opts.pathname] ?? ['request']).map((part) => opts.preload?.catalogs[locale]?.[part]).filter((href): href is string => !!href);
  const own = opts.preload?.pageCatalogs?.[opts.pathname]?.[locale];
  const viewer = STAFF_VIEWER_PAGE.test(opts.pathname) && opts.preload?.viewer ? [...opts.preload.viewer.files, opts.preload.viewer.catalogs[locale]] : [];
  const preloads = [...(opts.preload?.pages[opts.pathname] ?? []), ...catalogs, ...(own ? [own] : []), ...viewer]
    .map((href) => `<link rel="modulepreload" crossorigin href="${escapeHtml(href)}">`)
    .join('');
  // Replaced by functions: a `$&` in a name or in the data is text, not a replacement pattern.
  return template
    .replace(/<html lang="[^"]*"/, () => `<html lang="${locale}" data-locale="${locale}"`)
    .replace(/<title>[^<]*<\/title>/, () => `<title>${escapeHtml(hospital.name)}</title>`)
    .replace('</head>', () => `${preloads}${opts.data ? jsonBlock(opts.data) : ''}<noscript><link rel="stylesheet" href="/noscript.css"></noscript></head>`)
    .replace('<div id="root"></div>', () => `<div id="root">${shell}</div>`);
}
