/**
 * The patient pages that read the `portal` part of the catalog beside the request form's (see
 * build/catalogs.ts): the build preloads it with them, pages.ts loads it with them.
 */
export const PORTAL_CATALOG_PAGES: readonly string[] = ['/portal', '/portal/viewer', '/device-check', '/send', '/letter'];
