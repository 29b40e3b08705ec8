/**
 * Japan's 47 prefectures by their JIS X 0401 code ('01' Hokkaido … '47' Okinawa); labels are
 * `prefectures.<code>` in the catalogs. A patient living in Japan names one on the request form: the
 * statistics' residence bucket comes from it (docs/glossary.md §3.2).
 */
export const PREFECTURES = Array.from({ length: 47 }, (_, i) => String(i + 1).padStart(2, '0')) as readonly string[];
/** The Tokyo area of the hospital's tables: Saitama, Chiba, Tokyo and Kanagawa ("one metropolis, three prefectures"). */
export const TOKYO_AREA_PREFECTURES = ['11', '12', '13', '14'] as const;
