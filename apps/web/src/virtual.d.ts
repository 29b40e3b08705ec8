declare module 'virtual:kakehashi-catalogs' {
  import type { Locale } from '@kakehashi/core';
  type Loader = () => Promise<{ default: Record<string, unknown> }>;
  /** Each language's sections used by the patient's pages (build/catalogs.ts). */
  export const PATIENT_CATALOGS: Record<Locale, Loader>;
  /** Each language's other sections, for staff pages. */
  export const STAFF_CATALOGS: Record<Locale, Loader>;
  /** A page opened from a link: its own sections, by its address, in each language. */
  export const PAGE_CATALOGS: Record<string, Record<Locale, Loader>>;
}
