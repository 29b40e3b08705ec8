declare module 'virtual:kakehashi-catalogs' {
  import type { Locale } from '@kakehashi/core';
  type Loader = () => Promise<{ default: Record<string, unknown> }>;
  /** Each language's sections the request form uses, every patient page's start (build/catalogs.ts). */
  export const PATIENT_CATALOGS: Record<Locale, Loader>;
  /** Each language's sections the other patient pages add (the portal, the device check). */
  export const PORTAL_CATALOGS: Record<Locale, Loader>;
  /** Each language's other sections, for staff pages. */
  export const STAFF_CATALOGS: Record<Locale, Loader>;
}

declare module 'virtual:kakehashi-page-catalog/*' {
  import type { Locale } from '@kakehashi/core';
  /** A page's own sections (build/patientKeys.ts OWN_CATALOG_PAGES), in each language. */
  const part: Record<Locale, () => Promise<{ default: Record<string, unknown> }>>;
  export default part;
}
